using Bulwark.Serialization;
using Xunit;
using static Bulwark.Tests.Shared.CheckpointFileImage;

namespace Bulwark.Runtime.Tests.Serialization;

/// <summary>
/// A nested state that is a constructor argument, missing from a checkpoint an older version wrote, is restored as a
/// nested state with every field missing. Each one counts as a level of nesting only while it is read: the complete
/// Serialization mutation run of bench/mutation found that the level could leak (one per missing nested state) without
/// a test failing, until a long enough list of old items was refused as nested deeper than 64 levels.
/// </summary>
public sealed class CheckpointMissingNestedTests
{
    private const string FileName = "ops/pairs/state.bin";

    [Fact]
    public void A_long_list_of_old_items_each_missing_a_nested_constructor_argument_restores()
    {
        // Pairs (id 1) = 70 items written before Pair had its Inner: each item holds only A (id 1) = i.
        var items = new List<byte[]> { Varint(70) };
        for (var i = 0; i < 70; i++)
        {
            var item = Concat(Tag(1, CheckpointWireKind.Varint), ZigZag(i));
            items.Add(Varint((ulong)item.Length));
            items.Add(item);
        }

        var restored = CheckpointSerializer.Deserialize<Pairs>(File(Pairs.StateTypeName, Field(1, Concat([.. items]))), FileName);

        Assert.Equal(Enumerable.Range(0, 70), restored.Items.Select(p => p.A));
        Assert.All(restored.Items, p => Assert.Equal(("unset", 0), (p.Inner.Label, p.Inner.Size)));
    }

    [Fact]
    public void A_missing_nested_constructor_argument_still_counts_as_a_level_of_nesting()
    {
        // Pair.Inner missing at the deepest level allowed: Pairs > list > 63 levels of Chain > Pair > (missing) Inner.
        var level = 0;
        var state = new PairChain { Pair = new Pair(1, new Inner { Label = "x" }) };
        var deepest = state;
        for (; level < CheckpointReader.MaxDepth - 2; level++)
        {
            deepest = deepest.Next = new PairChain();
        }

        // Written whole, it is 64 levels deep (the Inner of the last Pair): exactly the limit.
        deepest.Pair = new Pair(2, new Inner { Label = "deepest" });
        var back = CheckpointSerializer.Deserialize<PairChain>(CheckpointSerializer.Serialize(state), FileName);
        Assert.Equal("x", back.Pair!.Inner.Label);

        // The same chain with the last Pair's Inner missing: reading that missing Inner is the 64th level, still allowed.
        var bytes = ChainBytes(CheckpointReader.MaxDepth - 2, Concat(Tag(1, CheckpointWireKind.Varint), ZigZag(2)));
        var lastPair = Last(CheckpointSerializer.Deserialize<PairChain>(File(PairChain.StateTypeName, bytes), FileName)).Pair!;
        Assert.Equal((2, "unset"), (lastPair.A, lastPair.Inner.Label));

        // One level more, and the missing Inner is the 65th.
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointSerializer.Deserialize<PairChain>(
            File(PairChain.StateTypeName, ChainBytes(CheckpointReader.MaxDepth - 1, Concat(Tag(1, CheckpointWireKind.Varint), ZigZag(2)))), FileName));
        Assert.Equal($"states and collections nest deeper than {CheckpointReader.MaxDepth} levels", error.Reason);
        Assert.Equal("PairChain" + string.Concat(Enumerable.Repeat(".Next", CheckpointReader.MaxDepth - 1)) + ".Pair", error.FieldPath);

        static PairChain Last(PairChain chain)
        {
            while (chain.Next is not null)
            {
                chain = chain.Next;
            }

            return chain;
        }
    }

    /// <summary><paramref name="links"/> levels of <c>Next</c> (id 2), the last holding a Pair (id 1) of <paramref name="pairFields"/>.</summary>
    private static byte[] ChainBytes(int links, byte[] pairFields)
    {
        var chain = Field(1, pairFields);
        for (var i = 0; i < links; i++)
        {
            chain = Field(2, chain);
        }

        return chain;
    }
}

[CheckpointState]
public sealed partial class Inner
{
    [Id(1)] public string Label = "unset";
    [Id(2)] public int Size;
}

/// <summary>A positional record whose nested state is a constructor argument: a file without it gets <c>ReadMissingNested</c>.</summary>
[CheckpointState]
public sealed partial record Pair([property: Id(1)] int A, [property: Id(2)] Inner Inner);

[CheckpointState]
public sealed partial class Pairs
{
    [Id(1)] public List<Pair> Items = [];
}

[CheckpointState]
public sealed partial class PairChain
{
    [Id(1)] public Pair? Pair;
    [Id(2)] public PairChain? Next;
}
