using Bulwark.Shards;

namespace Bulwark.Runtime.Tests.Shards;

public sealed class InMemoryConsensusTests : ConsensusContractTests
{
    protected override IConsensus Consensus { get; } = new InMemoryConsensus();
}
