using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

// ConsensusContractTests.cs is compiled into this project and into Shards.PostgreSql.Tests; each project defines
// these two attributes. Here every store needs nothing outside the process, so they are plain facts and theories.

/// <summary>A contract fact; in this project nothing can be missing, so it always runs.</summary>
public sealed class ConsensusFactAttribute : FactAttribute
{
}

/// <summary>A contract theory; in this project nothing can be missing, so it always runs.</summary>
public sealed class ConsensusTheoryAttribute : TheoryAttribute
{
}
