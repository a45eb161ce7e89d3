using Bulwark.Shards;
using Bulwark.Upsert;
using Xunit;

namespace Bulwark.Testing.Tests;

public sealed class UpsertReferenceTests
{
    private sealed record Price(string Sku, int Cents);

    private static UpsertInput<string, Price> Put(string sku, int cents, long time, long offset) => new(sku, new Price(sku, cents), time, offset);

    private static UpsertInput<string, Price> Delete(string sku, long time, long offset) => new(sku, null, time, offset);

    [Fact]
    public void Per_time_the_highest_offset_wins_a_change_retracts_and_inserts_a_delete_retracts_and_an_equal_row_writes_nothing()
    {
        UpsertInput<string, Price>[] inputs =
        [
            Put("a", 5, time: 0, offset: 7),
            Put("a", 9, time: 0, offset: 3),   // lower offset at the same time: loses although it comes later in the list
            Put("b", 1, time: 0, offset: 1),
            Put("a", 6, time: 1, offset: 0),   // a later time wins whatever its offset
            Put("b", 1, time: 1, offset: 5),   // equal to the held row: nothing written
            Delete("b", time: 2, offset: 0),
            Put("c", 4, time: 3, offset: 0),   // at the upper: left out
        ];

        var (history, live) = UpsertReference.Run(inputs, upper: 3);

        Assert.Equal(
            [
                new Update<Price>(new Price("a", 5), 0, 1),
                new Update<Price>(new Price("b", 1), 0, 1),
                new Update<Price>(new Price("a", 5), 1, -1),
                new Update<Price>(new Price("a", 6), 1, 1),
                new Update<Price>(new Price("b", 1), 2, -1),
            ],
            history);
        Assert.Equal(new Dictionary<string, Price> { ["a"] = new Price("a", 6) }, live);
    }

    [Fact]
    public void Keys_are_compared_with_the_given_comparer()
    {
        UpsertInput<string, Price>[] inputs = [Put("sku", 1, 0, 0), Put("SKU", 2, 1, 0)];

        var (history, live) = UpsertReference.Run(inputs, upper: 2, StringComparer.OrdinalIgnoreCase);

        Assert.Equal(3, history.Count);
        Assert.Equal(new Price("SKU", 2), Assert.Single(live).Value);
    }
}
