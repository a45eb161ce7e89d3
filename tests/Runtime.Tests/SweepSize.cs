namespace Bulwark.Runtime.Tests;

/// <summary>
/// How wide the crash-state sweeps run. A full sweep takes most of a minute; under mutation testing every mutant it
/// covers runs it again, which would make a namespace's run take days. So <c>bench/mutation/run.sh</c> sets
/// <c>BULWARK_SWEEP=reduced</c>: each sweep then checks one small workload, and its floor on distinct states drops to
/// match. A mutant that breaks the protocol still shows in the small workload's states. Nothing else sets the
/// variable, and a CI run refuses it, so the sweeps CI runs are always the full ones.
/// </summary>
internal static class SweepSize
{
    public static bool Reduced { get; } = ReadReduced();

    /// <summary><paramref name="full"/>, or <paramref name="reduced"/> under <c>BULWARK_SWEEP=reduced</c>.</summary>
    public static T Pick<T>(T full, T reduced) => Reduced ? reduced : full;

    public static string Describe => Reduced ? "reduced sweep (BULWARK_SWEEP=reduced)" : "full sweep";

    private static bool ReadReduced()
    {
        var value = Environment.GetEnvironmentVariable("BULWARK_SWEEP");
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (!string.Equals(value, "reduced", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"BULWARK_SWEEP is '{value}'; the only value it takes is 'reduced'.");
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("BULWARK_SWEEP=reduced is for mutation runs; CI runs the full crash sweeps.");
        }

        return true;
    }
}
