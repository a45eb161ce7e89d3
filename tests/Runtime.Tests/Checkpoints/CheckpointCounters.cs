using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Storage;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// Sums the checkpoint counters of the meters one <see cref="TestMeterFactory"/> created, so that tests running beside
/// it cannot add to the counts; failures are also summed by their operation tag.
/// </summary>
internal sealed class CheckpointCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);

    public CheckpointCounters(TestMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == CheckpointMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value);
            if (instrument.Name != CheckpointMetrics.Failures)
            {
                return;
            }

            var operation = "(untagged)";
            foreach (var tag in tags)
            {
                if (tag.Key == CheckpointMetrics.OperationTag)
                {
                    operation = tag.Value as string ?? "(null)";
                }
            }

            _failures.AddOrUpdate(operation, value, (_, total) => total + value);
        });
        _listener.Start();
    }

    public long Get(string instrument) => _totals.GetValueOrDefault(instrument);

    /// <summary>The failures as "operation=count" pairs in name order.</summary>
    public string Failures() => string.Join(' ', _failures.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    public void Dispose() => _listener.Dispose();
}
