using System.Runtime.CompilerServices;
using System.Text;

namespace Bulwark.Generators.Tests;

/// <summary>
/// Compares generated code with an approved file <c>Snapshots/&lt;name&gt;.verified.cs</c> committed beside the tests.
/// On a mismatch the new output is written to <c>&lt;name&gt;.received.cs</c> and the test fails with the first
/// differing lines. Set <c>BULWARK_ACCEPT_SNAPSHOTS=1</c> to accept the new output as the approved file instead.
/// </summary>
public static class SnapshotAssert
{
    public const string AcceptVariable = "BULWARK_ACCEPT_SNAPSHOTS";

    private const int ContextLines = 3;
    private const int MaxReportedDifferences = 12;

    public static void Matches(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(directory);
        var verifiedPath = Path.Combine(directory, name + ".verified.cs");
        var receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = Normalize(actual);

        var accept = Environment.GetEnvironmentVariable(AcceptVariable) == "1";
        var expected = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (expected == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        if (accept)
        {
            File.WriteAllText(verifiedPath, actual);
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        if (expected is null)
        {
            throw new SnapshotMismatchException(
                $"No approved snapshot {verifiedPath}. Review {receivedPath} and rename it, or run with {AcceptVariable}=1.");
        }

        throw new SnapshotMismatchException(
            $"Generated code differs from {verifiedPath} (new output in {receivedPath}; run with {AcceptVariable}=1 to accept it):\n"
            + Diff(expected, actual));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart('\uFEFF');

    /// <summary>A unified-style excerpt around the first differing lines, with 1-based line numbers.</summary>
    internal static string Diff(string expected, string actual)
    {
        var left = expected.Split('\n');
        var right = actual.Split('\n');
        var builder = new StringBuilder();
        var reported = 0;
        var lastPrinted = -1;
        for (var i = 0; i < Math.Max(left.Length, right.Length) && reported < MaxReportedDifferences; i++)
        {
            var l = i < left.Length ? left[i] : null;
            var r = i < right.Length ? right[i] : null;
            if (l == r)
            {
                continue;
            }

            for (var c = Math.Max(lastPrinted + 1, i - ContextLines); c < i; c++)
            {
                builder.Append($"  {c + 1,5}   {left[c]}\n");
            }

            if (l is not null)
            {
                builder.Append($"- {i + 1,5}   {l}\n");
            }

            if (r is not null)
            {
                builder.Append($"+ {i + 1,5}   {r}\n");
            }

            lastPrinted = i;
            reported++;
        }

        if (reported == MaxReportedDifferences)
        {
            builder.Append("  ... (more differences follow)\n");
        }

        return builder.ToString();
    }
}

public sealed class SnapshotMismatchException(string message) : Exception(message);
