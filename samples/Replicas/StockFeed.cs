using System.Globalization;
using Bulwark.Upsert;

namespace Replicas;

/// <summary>
/// The source both replicas read: a seeded feed of stock changes, tick by tick. Each change sets a SKU's level or, about
/// one time in five, deletes the SKU (discontinued); a SKU may change more than once in a tick, and then the change
/// with the highest offset (the later one in the feed) is the one that counts.
/// </summary>
public sealed class StockFeed
{
    private static readonly string[] Warehouses = ["AMS", "FRA", "WAW"];

    private StockFeed(IReadOnlyList<UpsertInput<string, StockLevel>> inputs, int ticks)
    {
        Inputs = inputs;
        Ticks = ticks;
    }

    /// <summary>Every change, in feed order: offsets ascend, times never go down.</summary>
    public IReadOnlyList<UpsertInput<string, StockLevel>> Inputs { get; }

    /// <summary>Times run from 0 to <see cref="Ticks"/> - 1.</summary>
    public int Ticks { get; }

    public static StockFeed Create(int seed, int ticks, int skus, int maxChangesPerTick)
    {
        var random = new Random(seed);
        var inputs = new List<UpsertInput<string, StockLevel>>();
        for (var time = 0; time < ticks; time++)
        {
            for (var n = random.Next(1, maxChangesPerTick + 1); n > 0; n--)
            {
                var sku = Sku(random.Next(skus));
                var row = random.Next(5) == 0 ? null : new StockLevel(sku, random.Next(0, 50), Warehouses[random.Next(Warehouses.Length)]);
                inputs.Add(new UpsertInput<string, StockLevel>(sku, row, time, inputs.Count));
            }
        }

        return new StockFeed(inputs, ticks);
    }

    public static string KeyOf(StockLevel level) => level.Sku;

    /// <summary>The changes at times in <c>[from, to)</c>.</summary>
    public IEnumerable<UpsertInput<string, StockLevel>> Between(long from, long to) => Inputs.Where(i => i.Time >= from && i.Time < to);

    private static string Sku(int i) => "SKU-" + i.ToString("D2", CultureInfo.InvariantCulture);
}
