namespace Bulwark.Storage.S3.Tests
{
    /// <summary>
    /// A fact that needs s3rver, hence Node.js. xunit 2 decides skipping when it discovers a test, so the check runs here:
    /// without node/npm the test is skipped, except on CI (CI=true), where it runs and fails naming what is missing.
    /// </summary>
    public sealed class S3FactAttribute : FactAttribute
    {
        public S3FactAttribute()
        {
            if (NodeTools.SkipReason is { } reason)
            {
                Skip = reason;
            }
        }
    }

    /// <summary>The <see cref="S3FactAttribute"/> rule for theories.</summary>
    public sealed class S3TheoryAttribute : TheoryAttribute
    {
        public S3TheoryAttribute()
        {
            if (NodeTools.SkipReason is { } reason)
            {
                Skip = reason;
            }
        }
    }
}

namespace Bulwark.Runtime.Tests.Storage
{
    // The storage contract (linked from Bulwark.Runtime.Tests) marks its tests [Fact] and [Theory] with `using Xunit;`.
    // In this project a type of the contract's own namespace wins over that using directive, so these two give the
    // contract's tests the S3 tests' rule (skipped without node/npm, failing on CI) without a change to the contract.

    /// <summary>xunit's fact, skipped where s3rver cannot run; see <see cref="Bulwark.Storage.S3.Tests.S3FactAttribute"/>.</summary>
    public sealed class FactAttribute : Xunit.FactAttribute
    {
        public FactAttribute()
        {
            if (Bulwark.Storage.S3.Tests.NodeTools.SkipReason is { } reason)
            {
                Skip = reason;
            }
        }
    }

    /// <summary>xunit's theory, skipped where s3rver cannot run.</summary>
    public sealed class TheoryAttribute : Xunit.TheoryAttribute
    {
        public TheoryAttribute()
        {
            if (Bulwark.Storage.S3.Tests.NodeTools.SkipReason is { } reason)
            {
                Skip = reason;
            }
        }
    }
}
