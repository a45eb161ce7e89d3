
namespace Bulwark.Interop.Tests;

/// <summary>
/// A fact that needs Node.js. xunit 2 decides skipping when it discovers the test, so the check runs here: without
/// node/npm the test is skipped, except on CI (CI=true), where it runs and fails with the same message.
/// </summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeRequirement.SkipReason() is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The <see cref="NodeFactAttribute"/> rule for theories.</summary>
public sealed class NodeTheoryAttribute : TheoryAttribute
{
    public NodeTheoryAttribute()
    {
        if (NodeRequirement.SkipReason() is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class NodeRequirement
{
    public static string? SkipReason() =>
        NodeEnvironment.ToolsAvailable || NodeEnvironment.IsCi ? null : NodeEnvironment.MissingToolsMessage;
}
