using System.Reflection;
using Xunit;

namespace Bulwark.Fuzz.Tests;

/// <summary>
/// Every committed corpus file of every fuzz target goes through the target and the fuzzing oracle: a correct read
/// or the target's typed refusal, within the oracle's allocation limit. Seeds (seed-*) are valid files written by
/// Bulwark's own writers and must read; findings (finding-*) are inputs that once broke a reader.
/// </summary>
public sealed class CorpusReplayTests
{
    private const long MaxFileBytes = 64 * 1024;
    private const long MaxCorpusBytes = 2 * 1024 * 1024;

    private static readonly string CorpusRoot = Path.Combine(
        typeof(CorpusReplayTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "bench", "fuzz", "corpus");

    public static TheoryData<string, string> CorpusFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(CorpusRoot, target.Name)).Order(StringComparer.Ordinal))
            {
                data.Add(target.Name, Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public async Task CorpusFileReadsOrIsRefusedWithinTheOracle(string target, string file)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(CorpusRoot, target, file));
        var fuzzTarget = FuzzTargets.Find(target);

        // A hang guard only, generous for a loaded machine: a hang fails the test instead of stalling the run.
        var outcome = await Task.Run(() => Oracle.Run(fuzzTarget, bytes)).WaitAsync(TimeSpan.FromMinutes(5));
        if (file.StartsWith("seed-", StringComparison.Ordinal))
        {
            Assert.Equal(FuzzOutcome.Read, outcome);
        }
    }

    [Fact]
    public void EveryTargetHasSeedsAndTheCorpusStaysSmall()
    {
        long total = 0;
        foreach (var target in FuzzTargets.All)
        {
            var files = Directory.GetFiles(Path.Combine(CorpusRoot, target.Name));
            Assert.Contains(files, f => Path.GetFileName(f).StartsWith("seed-", StringComparison.Ordinal));
            foreach (var file in files)
            {
                var length = new FileInfo(file).Length;
                Assert.True(length <= MaxFileBytes, $"{file} has {length} bytes, more than {MaxFileBytes}");
                total += length;
            }
        }

        Assert.True(total <= MaxCorpusBytes, $"the corpus has {total} bytes, more than {MaxCorpusBytes}");
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(StringComparer.Ordinal), Directory.GetDirectories(CorpusRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
