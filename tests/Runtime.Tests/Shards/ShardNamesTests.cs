using Bulwark.Shards;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// Part file names as garbage collection reads them: only a name a shard writes yields a lease (a foreign or damaged
/// name is never taken for a part, and never crashes the collection), and only a key directly in the shard's own parts
/// folder is its part.
/// </summary>
public sealed class ShardNamesTests
{
    private static readonly Guid Lease = Guid.Parse("0123456789abcdef0123456789abcdef");
    private static readonly Guid Token = Guid.Parse("c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0");

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(int.MaxValue)]
    public void EveryNameAShardWritesParsesBackToItsLeaseAndAttempt(int attempt)
    {
        var appended = ShardNames.AppendPartKey("s", Lease, Token, attempt);
        var compacted = ShardNames.CompactedPartKey("s", Lease, attempt);

        Assert.Equal((Lease, attempt), ShardNames.ParsePart(appended["shards/s/parts/".Length..]));
        Assert.Equal((Lease, attempt), ShardNames.ParsePart(compacted["shards/s/parts/".Length..]));
        Assert.True(ShardNames.IsPartKeyOf("s", appended));
        Assert.True(ShardNames.IsPartKeyOf("s", compacted));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c0.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c01.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c+1.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c2147483648.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c10000000000.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c1.parquet.tmp")]
    [InlineData("0123456789abcdef0123456789abcdef-x1.parquet")]
    [InlineData("0123456789abcdef0123456789abcdeg-c1.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef_c1.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0-.parquet")]
    [InlineData("0123456789abcdef0123456789abcdef-c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0-0.parquet")]
    public void ANameNoShardWritesIsNoPart(string fileName)
    {
        Assert.Null(ShardNames.ParsePart(fileName));
        Assert.Null(ShardNames.LeaseOfPart(fileName));
    }

    [Fact]
    public void OnlyAKeyDirectlyInTheShardsOwnPartsFolderIsItsPart()
    {
        var name = ShardNames.CompactedPartKey("s", Lease, 1)["shards/s/parts/".Length..];

        Assert.True(ShardNames.IsPartKeyOf("s", "shards/s/parts/" + name));
        Assert.False(ShardNames.IsPartKeyOf("s", "shards/s/parts_" + name));
        Assert.False(ShardNames.IsPartKeyOf("s", "shards/s/parts/old/" + name));
        Assert.False(ShardNames.IsPartKeyOf("s", "shards/s2/parts/" + name));
        Assert.False(ShardNames.IsPartKeyOf("s2", "shards/s/parts/" + name));
        Assert.False(ShardNames.IsPartKeyOf("s", "shards/s/parts/" + name + ".tmp"));
    }

    [Fact]
    public void ALostLeaseSaysWhetherTheInterruptedAppendMayHaveTakenEffect()
    {
        var known = new ShardLeaseLostException("s", "writer-1", Lease, replaced: false);
        var unknown = new ShardLeaseLostException("s", "writer-1", Lease, replaced: true, outcomeUnknown: true);

        Assert.Equal($"Shard 's': the lease {Lease} of 'writer-1' is gone (it expired and was removed).", known.Message);
        Assert.Equal(
            $"Shard 's': the lease {Lease} of 'writer-1' is gone (another handle opened with the same id); whether the interrupted append took effect is unknown, retry with the same idempotency token on a new writer to find out.",
            unknown.Message);
        Assert.All(new[] { known, unknown }, e => Assert.Equal("s", e.ShardId));
        Assert.False(known.OutcomeUnknown);
        Assert.True(unknown.OutcomeUnknown);
    }
}
