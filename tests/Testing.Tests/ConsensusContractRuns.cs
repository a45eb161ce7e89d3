using Bulwark.Runtime.Tests.Shards;
using Bulwark.Shards;
using Xunit;

namespace Bulwark.Testing.Tests;

/// <summary><see cref="UnreliableConsensus"/> with no fault: the whole consensus contract, as the wrapped store passes it.</summary>
public sealed class UnreliableConsensusContractTests : ConsensusContractTests, IDisposable
{
    private readonly UnreliableConsensus _consensus = new(new InMemoryConsensus(), failRate: 0, indeterminateRate: 0, seed: 1);

    protected override IConsensus Consensus => _consensus;

    public void Dispose() => Assert.Equal(0, _consensus.FaultsFired);
}

/// <summary>
/// <see cref="UnreliableConsensus"/> failing a third of the calls at random — half of them without effect, half after
/// their effect with an unknown outcome — under a client that retries and resolves unknown outcomes by reading
/// (<see cref="ResolvingConsensus"/>). The contract's definite outcomes must come out the same: a lost answer of the
/// double never loses or duplicates an effect, and a failure "without effect" really took none.
/// </summary>
public sealed class UnreliableConsensusWithFaultsContractTests : ConsensusContractTests, IDisposable
{
    private readonly UnreliableConsensus _unreliable;
    private readonly ResolvingConsensus _consensus;

    public UnreliableConsensusWithFaultsContractTests()
    {
        _unreliable = new UnreliableConsensus(new InMemoryConsensus(), failRate: 1 / 6.0, indeterminateRate: 1 / 6.0, seed: 42);
        _consensus = new ResolvingConsensus(_unreliable);
    }

    protected override IConsensus Consensus => _consensus;

    public void Dispose()
    {
        // The resolving client hides every fault; this checks that there were faults to hide.
        Assert.Equal(_unreliable.FaultsFired, _consensus.FaultsSeen);
    }
}
