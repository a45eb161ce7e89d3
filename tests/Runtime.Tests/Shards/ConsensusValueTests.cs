using Bulwark.Shards;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

public sealed class ConsensusValueTests
{
    [Fact]
    public void EntriesAreEqualByContentNotByBuffer()
    {
        var a = new VersionedData(3, new byte[] { 1, 2, 3 });
        var b = new VersionedData(3, new byte[] { 0, 1, 2, 3 }.AsMemory(1));

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new VersionedData(4, new byte[] { 1, 2, 3 }));
        Assert.NotEqual(a, new VersionedData(3, new byte[] { 1, 2 }));
        Assert.Equal(new VersionedData(0, default), new VersionedData(0, Array.Empty<byte>()));
        Assert.Equal("VersionedData { SeqNo = 3, Data = 3 bytes 0x010203 }", a.ToString());
    }

    [Fact]
    public void AnEntryPrintsAtMostItsFirst16BytesAndSaysWhenThereAreMore()
    {
        var bytes = Enumerable.Range(0, 17).Select(i => (byte)i).ToArray();

        Assert.Equal("VersionedData { SeqNo = 1, Data = 16 bytes 0x000102030405060708090a0b0c0d0e0f }", new VersionedData(1, bytes[..16]).ToString());
        Assert.Equal("VersionedData { SeqNo = 1, Data = 17 bytes 0x000102030405060708090a0b0c0d0e0f... }", new VersionedData(1, bytes).ToString());
        Assert.Equal("VersionedData { SeqNo = 0, Data = 0 bytes }", new VersionedData(0, default).ToString());
    }

    [Fact]
    public void ANegativeSequenceNumberIsRefused()
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new VersionedData(-1, default));

        Assert.Equal(("SeqNo", -1L), (refused.ParamName, refused.ActualValue));
        Assert.StartsWith("A sequence number is 0 or more.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResultsSayWhatHappened()
    {
        Assert.True(CasResult.Committed(5).IsCommitted);
        Assert.Equal(5, CasResult.Committed(5).HeadSeqNo);
        Assert.True(CasResult.Mismatch(null).IsMismatch);
        Assert.Null(CasResult.Mismatch(null).HeadSeqNo);
        Assert.Equal("Mismatch(head 7)", CasResult.Mismatch(7).ToString());
        Assert.Equal(
            ["Committed(5)", "Mismatch(empty key)", "CasResult(none)"],
            [CasResult.Committed(5).ToString(), CasResult.Mismatch(null).ToString(), default(CasResult).ToString()]);

        // Shards log these texts (ShardLog.AppendNotCommitted); default is no outcome at all.
        Assert.Equal(
            ["Committed(upper 3)", "AlreadyCommitted(upper 4)", "UpperMismatch(upper 5)", "AppendResult(none)"],
            [AppendResult.Committed(3).ToString(), AppendResult.AlreadyCommitted(4).ToString(), AppendResult.UpperMismatch(5).ToString(), default(AppendResult).ToString()]);
        Assert.NotEqual(CasResult.Mismatch(5), CasResult.Committed(5));

        // A result nobody produced is neither outcome, so it can never pass for a commit.
        Assert.False(default(CasResult).IsCommitted);
        Assert.False(default(CasResult).IsMismatch);
    }

    [Fact]
    public void AnIndeterminateFailureIsATransientConsensusFailure()
    {
        var e = new IndeterminateConsensusException("lost the answer");
        Assert.IsAssignableFrom<ConsensusException>(e);
        Assert.True(e.IsTransient);
        Assert.False(new ConsensusException("broken").IsTransient);
    }
}
