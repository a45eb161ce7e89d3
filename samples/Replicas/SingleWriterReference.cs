using Bulwark.Shards;
using Bulwark.Upsert;

namespace Replicas;

/// <summary>
/// What one writer alone would leave in the shard, worked out without the upsert operator: time by time, each SKU takes
/// its change with the highest offset; a delete retracts the SKU's row, a new row retracts the old one and inserts itself,
/// an unchanged row writes nothing.
/// </summary>
public static class SingleWriterReference
{
    /// <summary>The updates written for times below <paramref name="upper"/>, and the rows live afterwards.</summary>
    public static (List<Update<StockLevel>> History, Dictionary<string, StockLevel> Live) Run(IEnumerable<UpsertInput<string, StockLevel>> inputs, long upper)
    {
        var live = new Dictionary<string, StockLevel>(StringComparer.Ordinal);
        var history = new List<Update<StockLevel>>();
        foreach (var time in inputs.Where(i => i.Time < upper).GroupBy(i => i.Time).OrderBy(g => g.Key))
        {
            foreach (var winner in time.GroupBy(i => i.Key).Select(k => k.MaxBy(i => i.Offset)))
            {
                var held = live.GetValueOrDefault(winner.Key);
                if (Equals(held, winner.Row))
                {
                    continue;
                }

                if (held is not null)
                {
                    history.Add(new Update<StockLevel>(held, time.Key, -1));
                    live.Remove(winner.Key);
                }

                if (winner.Row is not null)
                {
                    history.Add(new Update<StockLevel>(winner.Row, time.Key, 1));
                    live[winner.Key] = winner.Row;
                }
            }
        }

        return (history, live);
    }
}
