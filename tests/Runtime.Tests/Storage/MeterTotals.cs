using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// Sums what the long instruments of one meter publish, for the meters one <see cref="TestMeterFactory"/> created only,
/// so that tests running beside it cannot add to the counts. A key is the instrument's name followed by "/" and each
/// tag's value in the order the component passes them: <c>bulwark.shards.appends/committed</c>.
/// </summary>
internal sealed class MeterTotals : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);

    public MeterTotals(TestMeterFactory factory, string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == meterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += "/" + tag.Value;
            }

            _totals.AddOrUpdate(key, value, (_, total) => total + value);
        });
        _listener.Start();
    }

    /// <summary>The total of one key; 0 when nothing was published under it.</summary>
    public long this[string key] => _totals.GetValueOrDefault(key);

    /// <summary>Every key published so far with its total (keys whose measurements summed to 0 included).</summary>
    public IReadOnlyDictionary<string, long> All => _totals.ToDictionary(StringComparer.Ordinal);

    /// <summary>The total of an instrument over all of its tag values.</summary>
    public long Sum(string instrument) =>
        _totals.Where(p => p.Key == instrument || p.Key.StartsWith(instrument + "/", StringComparison.Ordinal)).Sum(p => p.Value);

    /// <summary>An instrument's totals by tag value, as "value=total" pairs in ordinal order: <c>commit=1 open=2</c>.</summary>
    public string ByTag(string instrument) => string.Join(
        ' ',
        _totals.Where(p => p.Key.StartsWith(instrument + "/", StringComparison.Ordinal))
            .Select(p => $"{p.Key[(instrument.Length + 1)..]}={p.Value}")
            .Order(StringComparer.Ordinal));

    public void Dispose() => _listener.Dispose();
}
