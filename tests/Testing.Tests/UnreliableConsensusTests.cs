using System.Text;
using Bulwark.Shards;
using Xunit;

namespace Bulwark.Testing.Tests;

/// <summary>What <see cref="UnreliableConsensus"/> does beyond the consensus contract: the faults themselves.</summary>
public sealed class UnreliableConsensusTests
{
    [Fact]
    public async Task EachInjectedFaultTakesTheEffectItNames()
    {
        var inner = new InMemoryConsensus();
        var consensus = new UnreliableConsensus(inner);
        consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.FailWithoutEffect)
            .Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateWithoutEffect)
            .Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect);
        Assert.Equal(3, consensus.PendingInjections);

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0, "a")));
        Assert.True(failed.IsTransient);
        Assert.Null(await inner.HeadAsync("k"));

        await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0, "b")));
        Assert.Null(await inner.HeadAsync("k"));

        await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0, "c")));
        Assert.Equal(Entry(0, "c"), await inner.HeadAsync("k"));

        Assert.Equal(0, consensus.PendingInjections);
        Assert.Equal(3, consensus.FaultsFired);
        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1, "d")));
    }

    [Fact]
    public async Task AnInjectionWaitsForItsOperationAndMatchAndRunsItsActionBetweenEffectAndError()
    {
        var inner = new InMemoryConsensus();
        var consensus = new UnreliableConsensus(inner);
        VersionedData? seenBetween = null;
        consensus.Inject(
            ConsensusOperation.CompareAndSet,
            ConsensusFault.IndeterminateAfterEffect,
            between: async () => seenBetween = await inner.HeadAsync("target"),
            when: (key, _) => key == "target");

        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("other", null, Entry(0, "x")));
        Assert.Null(await consensus.HeadAsync("target"));
        Assert.Equal(1, consensus.PendingInjections);

        await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.CompareAndSetAsync("target", null, Entry(0, "y")));
        Assert.Equal(Entry(0, "y"), seenBetween);
        Assert.Equal(1, consensus.FaultsFired);
    }

    [Fact]
    public async Task ScansAndTruncationsFailAsAWholeBeforeYieldingOrRemovingAnything()
    {
        var inner = new InMemoryConsensus();
        var consensus = new UnreliableConsensus(inner);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(CasResult.Committed(i), await consensus.CompareAndSetAsync("k", i == 0 ? null : i - 1, Entry(i, $"v{i}")));
        }

        consensus.Inject(ConsensusOperation.Scan, ConsensusFault.FailWithoutEffect)
            .Inject(ConsensusOperation.Truncate, ConsensusFault.IndeterminateWithoutEffect);
        var yielded = 0;
        await Assert.ThrowsAsync<ConsensusException>(async () =>
        {
            await foreach (var entry in consensus.ScanAsync("k", 0, 10))
            {
                yielded++;
            }
        });
        Assert.Equal(0, yielded);
        await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.TruncateAsync("k", 2));
        Assert.Equal(3, await inner.ScanAsync("k", 0, 10).CountAsync());
    }

    [Fact]
    public async Task RandomFaultsFollowTheRatesAndReplayFromTheSeed()
    {
        const int Calls = 3000;
        var first = await OutcomesAsync(new UnreliableConsensus(new InMemoryConsensus(), failRate: 0.2, indeterminateRate: 0.1, seed: 5), Calls);
        var again = await OutcomesAsync(new UnreliableConsensus(new InMemoryConsensus(), failRate: 0.2, indeterminateRate: 0.1, seed: 5), Calls);
        var other = await OutcomesAsync(new UnreliableConsensus(new InMemoryConsensus(), failRate: 0.2, indeterminateRate: 0.1, seed: 6), Calls);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);

        // Binomial counts: 600 ± 22 and 300 ± 16 (one standard deviation); the bounds are more than six away.
        Assert.InRange(first.Count(o => o == "failed"), 450, 750);
        Assert.InRange(first.Count(o => o == "indeterminate"), 200, 400);
        Assert.Equal(Calls - first.Count(o => o is "failed" or "indeterminate"), first.Count(o => o == "ok"));
    }

    [Fact]
    public async Task RandomFaultsCanBeSwitchedOffWhileInjectedOnesStillFire()
    {
        var consensus = new UnreliableConsensus(new InMemoryConsensus(), failRate: 1) { RandomFaultsEnabled = false };
        Assert.Null(await consensus.HeadAsync("k"));
        consensus.Inject(ConsensusOperation.Head, ConsensusFault.FailWithoutEffect);
        await Assert.ThrowsAsync<ConsensusException>(() => consensus.HeadAsync("k"));
        Assert.Equal(1, consensus.FaultsFired);

        consensus.RandomFaultsEnabled = true;
        await Assert.ThrowsAsync<ConsensusException>(() => consensus.HeadAsync("k"));
        Assert.Equal(2, consensus.FaultsFired);
    }

    [Fact]
    public async Task InvalidAndCancelledCallsFailAsOnTheInnerStoreAndNeverDrawAFault()
    {
        var consensus = new UnreliableConsensus(new InMemoryConsensus(), failRate: 1);
        consensus.Inject(ConsensusOperation.Head, ConsensusFault.IndeterminateAfterEffect);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => consensus.HeadAsync(string.Empty))).ParamName);
        Assert.Equal("next", (await Assert.ThrowsAsync<ArgumentException>(() => consensus.CompareAndSetAsync("k", null, Entry(3, "x")))).ParamName);
        Assert.Equal("belowSeqNo", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => consensus.TruncateAsync("k", -1))).ParamName);
        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await consensus.ScanAsync("k", 0, 0).CountAsync())).ParamName);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consensus.HeadAsync("k", cancelled.Token));

        Assert.Equal(0, consensus.FaultsFired);
        Assert.Equal(1, consensus.PendingInjections);
    }

    private static VersionedData Entry(long seqNo, string text) => new(seqNo, Encoding.UTF8.GetBytes(text));

    private static async Task<List<string>> OutcomesAsync(UnreliableConsensus consensus, int calls)
    {
        var outcomes = new List<string>(calls);
        for (var i = 0; i < calls; i++)
        {
            try
            {
                await consensus.HeadAsync("k");
                outcomes.Add("ok");
            }
            catch (IndeterminateConsensusException)
            {
                outcomes.Add("indeterminate");
            }
            catch (ConsensusException)
            {
                outcomes.Add("failed");
            }
        }

        Assert.Equal(calls - outcomes.Count(o => o == "ok"), consensus.FaultsFired);
        return outcomes;
    }
}
