using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bulwark.Upsert;

namespace Replicas;

/// <summary>
/// One replica's meters: handed to its operator as <see cref="UpsertOptions.MeterFactory"/>, it counts what that
/// operator reports on <see cref="UpsertMetrics.MeterName"/> — appends won and lost, updates read back, inputs dropped —
/// and nothing of the other replica.
/// </summary>
public sealed class ReplicaMeters : IMeterFactory
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> totals = new(StringComparer.Ordinal);
    private readonly List<Meter> meters = [];

    public ReplicaMeters()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == this && instrument.Meter.Name == UpsertMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += "/" + tag.Value;
            }

            totals.AddOrUpdate(key, value, (_, total) => total + value);
        });
        listener.Start();
    }

    public ReplicaCounts Counts => new(
        Won: Get($"{UpsertMetrics.Appends}/committed") + Get($"{UpsertMetrics.Appends}/already_committed"),
        Lost: Get($"{UpsertMetrics.Appends}/upper_mismatch"),
        Learned: Get(UpsertMetrics.UpdatesLearned),
        Dropped: Get($"{UpsertMetrics.Inputs}/dropped"));

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        lock (meters)
        {
            meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        listener.Dispose();
        lock (meters)
        {
            meters.ForEach(m => m.Dispose());
        }
    }

    private long Get(string key) => totals.GetValueOrDefault(key);
}

/// <summary>Running totals of one replica: appends that put its batch in the shard, appends that lost the race, updates it read back, inputs it dropped.</summary>
public readonly record struct ReplicaCounts(long Won, long Lost, long Learned, long Dropped)
{
    public static ReplicaCounts operator -(ReplicaCounts a, ReplicaCounts b) => new(a.Won - b.Won, a.Lost - b.Lost, a.Learned - b.Learned, a.Dropped - b.Dropped);
}
