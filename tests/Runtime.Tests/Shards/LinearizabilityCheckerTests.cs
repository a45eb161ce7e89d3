using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>The checker on small hand-written histories, so a pass on the shard histories means something.</summary>
public sealed class LinearizabilityCheckerTests
{
    private static readonly ConsensusRegisterModel Model = new();

    private static HistoryOperation<RegisterInput, RegisterOutput> Cas(long? expected, long next, long call, long? ret, bool? committed, long? head = null) =>
        new(0, new RegisterInput(true, expected, next, (ulong)next + 100), call, committed is null ? null : new RegisterOutput(committed.Value ? next : head, 0, committed.Value), ret);

    private static HistoryOperation<RegisterInput, RegisterOutput> Read(long? seqNo, long call, long ret) =>
        new(0, RegisterInput.Head(), call, new RegisterOutput(seqNo, seqNo is { } s ? (ulong)s + 100 : 0, false), ret);

    [Fact]
    public void A_sequential_history_that_follows_the_model_is_linearizable()
    {
        var history = new[] { Cas(null, 0, 1, 2, true), Cas(0, 1, 3, 4, true), Cas(0, 1, 5, 6, false, head: 1), Read(1, 7, 8) };
        Assert.True(LinearizabilityChecker.Check(Model, history).Linearizable);
    }

    [Fact]
    public void Two_overlapping_commits_from_the_same_head_are_not_linearizable()
    {
        var history = new[] { Cas(null, 0, 1, 2, true), Cas(0, 1, 3, 6, true), Cas(0, 1, 4, 5, true) };
        Assert.False(LinearizabilityChecker.Check(Model, history).Linearizable);
    }

    [Fact]
    public void Concurrent_operations_may_take_effect_in_either_order()
    {
        // The mismatch saw head 1, so it must be ordered after the overlapping commit, though it was called first.
        var history = new[] { Cas(null, 0, 1, 2, true), Cas(0, 1, 3, 8, false, head: 1), Cas(0, 1, 4, 7, true) };
        Assert.True(LinearizabilityChecker.Check(Model, history).Linearizable);
    }

    [Fact]
    public void A_read_that_sees_a_value_before_its_write_was_called_is_not_linearizable()
    {
        var history = new[] { Cas(null, 0, 1, 2, true), Read(1, 3, 4), Cas(0, 1, 5, 6, true) };
        Assert.False(LinearizabilityChecker.Check(Model, history).Linearizable);
    }

    [Fact]
    public void An_unanswered_write_may_have_taken_effect_or_not()
    {
        var tookEffect = new[] { Cas(null, 0, 1, 2, true), Cas(0, 1, 3, null, null), Read(1, 4, 5) };
        var didNot = new[] { Cas(null, 0, 1, 2, true), Cas(0, 1, 3, null, null), Read(0, 4, 5), Cas(0, 1, 6, 7, true) };
        Assert.True(LinearizabilityChecker.Check(Model, tookEffect).Linearizable);
        Assert.True(LinearizabilityChecker.Check(Model, didNot).Linearizable);
    }

    [Fact]
    public void An_unanswered_write_cannot_take_effect_before_it_was_called()
    {
        var history = new[] { Cas(null, 0, 1, 2, true), Read(1, 3, 4), Cas(0, 1, 5, null, null) };
        Assert.False(LinearizabilityChecker.Check(Model, history).Linearizable);
    }
}
