using Xunit;

namespace Bulwark.Fuzz.Tests;

/// <summary>The oracle the fuzzer and the replay rely on tells findings from refusals.</summary>
public sealed class OracleTests
{
    private static FuzzTarget Target(Action<byte[]> read) => new("test", "test", read, [typeof(FormatException)]);

    [Fact]
    public void ATypedRefusalWithAMessageIsNotAFinding() =>
        Assert.Equal(FuzzOutcome.Refused, Oracle.Run(Target(_ => throw new FormatException("bad byte 3")), [1, 2, 3]));

    [Fact]
    public void AnUntypedExceptionIsAFinding()
    {
        var finding = Assert.Throws<FuzzFindingException>(() => Oracle.Run(Target(b => _ = b[10]), [1, 2, 3]));
        Assert.IsType<IndexOutOfRangeException>(finding.InnerException);
    }

    [Fact]
    public void ARefusalWithoutAMessageIsAFinding() =>
        Assert.Throws<FuzzFindingException>(() => Oracle.Run(Target(_ => throw new FormatException(" ")), [1]));

    [Fact]
    public void AllocatingBeyondTheLimitIsAFinding()
    {
        var input = new byte[100];
        var finding = Assert.Throws<FuzzFindingException>(() => Oracle.Run(Target(b => GC.KeepAlive(new byte[Oracle.AllocationLimit(b.Length) + 1])), input));
        Assert.Contains("allocated", finding.Message, StringComparison.Ordinal);
        Assert.Equal(FuzzOutcome.Read, Oracle.Run(Target(b => GC.KeepAlive(new byte[b.Length * 10])), input));
    }
}
