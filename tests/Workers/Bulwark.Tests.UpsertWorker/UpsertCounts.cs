using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Bulwark.Upsert;

namespace Bulwark.Tests.UpsertWorker;

/// <summary>
/// Sums the upsert operator's append and input counters in this process (one operator, on the process-wide meter), so
/// the parent sees what the replica did: how many appends it won or lost and how much input it dropped.
/// </summary>
internal sealed class UpsertCounts : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);

    public UpsertCounts()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == UpsertMetrics.MeterName && instrument.Name is UpsertMetrics.Appends or UpsertMetrics.Inputs)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var outcome = "?";
            foreach (var tag in tags)
            {
                if (tag.Key == UpsertMetrics.OutcomeTag)
                {
                    outcome = tag.Value?.ToString() ?? "?";
                }
            }

            var kind = instrument.Name == UpsertMetrics.Appends ? "appends" : "inputs";
            _totals.AddOrUpdate($"{kind}.{outcome}", value, (_, total) => total + value);
        });
        _listener.Start();
    }

    /// <summary>"appends.committed=12 inputs.dropped=40 ...", ordered by name.</summary>
    public string Describe() =>
        string.Join(' ', _totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key}={t.Value}")));

    public void Dispose() => _listener.Dispose();
}
