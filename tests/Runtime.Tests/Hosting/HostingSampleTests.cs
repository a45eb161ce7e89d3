using System.Diagnostics;
using Bulwark.Runtime.Tests.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Hosting;

/// <summary>samples/Hosting runs as its own process, twice on one data directory, and exits 0 by itself each time.</summary>
public sealed class HostingSampleTests
{
    [Fact]
    public async Task TheSampleRunsItsWorkloadAndExitsZeroAndASecondRunRestoresTheFirst()
    {
        using var data = new TempDirectory();
        var first = await RunAsync(data.Path);
        Assert.Contains("checkpoints: run 1 (0 earlier run(s)", first, StringComparison.Ordinal);
        Assert.Contains("ingest: 40 of 40 visits committed", first, StringComparison.Ordinal);
        Assert.Contains("shard: Committed 5 updates at time 0; upper 0 -> 1", first, StringComparison.Ordinal);
        Assert.Contains("health: bulwark-ingest-crawl Healthy", first, StringComparison.Ordinal);
        Assert.Contains("hosting sample: every check held", first, StringComparison.Ordinal);

        var second = await RunAsync(data.Path);
        Assert.Contains("checkpoints: run 2 (1 earlier run(s), 40 visits", second, StringComparison.Ordinal);
        Assert.Contains("upper 1 -> 2", second, StringComparison.Ordinal);
        Assert.Contains("hosting sample: every check held", second, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Join(data.Path, "checkpoints", "checkpoints.json")));
    }

    /// <summary>Runs the sample with its data paths moved under <paramref name="root"/>; returns its output once it exited 0.</summary>
    private static async Task<string> RunAsync(string root)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Join(AppContext.BaseDirectory, "HostingSample.dll"));
        foreach (var (key, folder) in new[]
        {
            ("Bulwark:Checkpoints:default:Path", "checkpoints"), ("Bulwark:Ingest:crawl:Path", "crawl"), ("Bulwark:Ingest:crawl:SpillDirectory", "spill"),
            ("Bulwark:Shards:ranks:Path", "shards"), ("Bulwark:Shards:ranks:ConsensusPath", "consensus"),
        })
        {
            start.ArgumentList.Add($"--{key}={Path.Join(root, folder)}");
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the sample did not exit: {await output}\n{await error}");
        }

        var transcript = $"{await output}\n{await error}";
        Assert.True(process.ExitCode == 0, $"the sample exited {process.ExitCode}:\n{transcript}");
        return transcript;
    }
}
