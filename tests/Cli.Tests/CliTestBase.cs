using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

[CheckpointState]
public sealed partial class Tally
{
    [Id(1)]
    public Dictionary<string, long> Counts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A scratch directory per test, a two-checkpoint store built through the runtime API, and ways to run and read the CLI.</summary>
public abstract class CliTestBase : IDisposable
{
    protected CliTestBase()
    {
        Work = Path.Combine(Path.GetTempPath(), "bulwark-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Store = Path.Combine(Work, "store");
        Outside = Path.Combine(Work, "outside.txt");
        Directory.CreateDirectory(Work);
        File.WriteAllText(Outside, "must survive");
    }

    protected string Work { get; }

    protected string Store { get; }

    protected string Outside { get; }

    public void Dispose()
    {
        Directory.Delete(Work, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected async Task<(Guid First, Guid Second)> CreateStoreAsync()
    {
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Store));
        var tally = new Tally();
        tally.Counts["a.example"] = 3;
        var first = await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("counter", tally).AddSharedFile("batch-1.arrow", new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
        tally.Counts["b.example"] = 5;
        var second = await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("counter", tally).ReferenceSharedFile("batch-1.arrow").AddSharedFile("batch-2.arrow", new byte[100]));
        return (first.Id, second.Id);
    }

    protected async Task RewriteManifestEntryAsync(Guid checkpoint, string path, Action<JsonObject> edit)
    {
        var manifestPath = Path.Combine(Store, checkpoint.ToString("D"), Checkpointer.ManifestFileName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        var entry = manifest["files"]!.AsArray().Select(f => f!.AsObject()).Single(f => (string?)f["path"] == path);
        edit(entry);
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());
    }

    protected static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    protected static string Snapshot(string root) => string.Join('\n', Directory
        .EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(p => File.Exists(p) ? $"{Path.GetRelativePath(root, p)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))}" : Path.GetRelativePath(root, p) + "/"));

    /// <summary>A count as the CLI prints it: thousands separated by commas, whatever the machine's culture.</summary>
    protected static string N(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    protected static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    protected static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAtAsync(TimeProvider.System, args);

    /// <summary>Runs the CLI with <paramref name="time"/> as its clock (leases are judged live or expired by it).</summary>
    protected static async Task<(int Code, string Output, string Error)> RunAtAsync(TimeProvider time, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await BulwarkCommand.RunAsync(args, output, error, time);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The commit time a checkpoint's manifest records, as the CLI prints times.</summary>
    protected async Task<string> CreatedAtAsync(Guid checkpoint)
    {
        var manifestPath = Path.Combine(Store, checkpoint.ToString("D"), Checkpointer.ManifestFileName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        return manifest["createdAt"]!.GetValue<DateTimeOffset>().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whatever went wrong, the CLI prints lines, never an exception's stack trace.</summary>
    protected static void AssertNoStackTrace(string output, string error) =>
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
}
