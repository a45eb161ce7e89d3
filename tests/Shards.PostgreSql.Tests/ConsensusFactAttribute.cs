using Xunit;

// ConsensusContractTests.cs (linked from Runtime.Tests) names these attributes in its own namespace; here they carry
// the PostgreSQL requirement. xunit 2 decides skipping at discovery, so the check runs in the constructor.
namespace Bulwark.Runtime.Tests.Shards;

/// <summary>A fact that needs PostgreSQL's server binaries: skipped without them, except under CI=true, where it fails.</summary>
public sealed class ConsensusFactAttribute : FactAttribute
{
    public ConsensusFactAttribute()
    {
        if (Bulwark.Shards.PostgreSql.Tests.PostgresBinaries.SkipReason() is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The <see cref="ConsensusFactAttribute"/> rule for theories.</summary>
public sealed class ConsensusTheoryAttribute : TheoryAttribute
{
    public ConsensusTheoryAttribute()
    {
        if (Bulwark.Shards.PostgreSql.Tests.PostgresBinaries.SkipReason() is { } reason)
        {
            Skip = reason;
        }
    }
}
