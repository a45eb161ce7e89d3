namespace Bulwark.Package.Tests;

/// <summary>
/// The `bulwark` tool as a user gets it: installed from the folder feed with the README's command, typed in the
/// repository clone whose nuget.config maps every package to one source (there `--add-source` is refused, `--source`
/// is not), into a tool path of the test's own; then the INSTALLED executable is run, not the library.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class CliToolPackageTests(PackedFeed feed) : IAsyncLifetime
{
    private string _bulwark = "";

    public async Task InitializeAsync()
    {
        var tool = Packages.All.Single(p => p.Kind == PackageKind.Tool);
        feed.RequirePackage(tool.Id);
        var toolPath = Path.Combine(feed.Work, "tools");
        _bulwark = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "bulwark.exe" : "bulwark");
        if (File.Exists(_bulwark))
        {
            return;
        }

        // The README says `--global`; a test must not install into the machine's tools, so it names a tool path.
        var install = await ProcessRunner.RunAsync("dotnet", ["tool", "install", "--tool-path", toolPath, tool.Id, "--source", feed.Feed], feed.Root, feed.Env);
        Assert.True(install.ExitCode == 0, install.Describe($"dotnet tool install {tool.Id} --source FEED"));
        Assert.Contains($"Tool '{tool.Id.ToLowerInvariant()}' (version '{feed.Version}') was successfully installed.", install.StandardOutput, StringComparison.Ordinal);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Help_exits_0_and_names_every_command()
    {
        var help = await Bulwark("--help");
        Assert.True(help.ExitCode == 0, help.Describe("bulwark --help"));
        Assert.Equal("", help.StandardError);
        foreach (var command in new[] { "checkpoints", "ingest", "shard", "verify" })
        {
            Assert.Contains(command, help.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_exits_0_and_prints_the_package_version()
    {
        var version = await Bulwark("--version");
        Assert.True(version.ExitCode == 0, version.Describe("bulwark --version"));
        Assert.StartsWith(feed.Version, version.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_of_the_consumers_checkpoint_store_exits_0()
    {
        var consumer = await feed.GetConsumerAsync();
        var verify = await Bulwark("verify", consumer.CheckpointStore);
        Assert.True(verify.ExitCode == 0, verify.Describe("bulwark verify on the consumer's checkpoint store"));
        Assert.DoesNotContain("problem:", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", verify.StandardError);

        // The same store with a checkpoint's state file truncated: the installed tool finds it and exits 1.
        var damaged = Path.Combine(feed.Work, "damaged-store");
        CopyDirectory(consumer.CheckpointStore, damaged);
        var state = Directory.GetFiles(damaged, "*.state", SearchOption.AllDirectories).First();
        await File.WriteAllBytesAsync(state, []);
        var problems = await Bulwark("verify", damaged);
        Assert.True(problems.ExitCode == 1, problems.Describe("bulwark verify on a damaged store"));
        Assert.Contains("problem: ", problems.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_of_a_missing_path_exits_2_and_says_so()
    {
        var missing = Path.Combine(feed.Work, "no-such-store");
        var verify = await Bulwark("verify", missing);
        Assert.True(verify.ExitCode == 2, verify.Describe("bulwark verify on a missing path"));
        Assert.Contains($"'{missing}'", verify.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing), "verify must not create the path it was given");
    }

    private Task<ProcessResult> Bulwark(params string[] arguments) =>
        ProcessRunner.RunAsync(_bulwark, arguments, feed.Work, feed.Env);

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories).Prepend(from))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
