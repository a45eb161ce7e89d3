namespace Bulwark.Package.Tests;

/// <summary>
/// The promise of DESIGN §1, followed exactly as the README tells a user: a new console project takes the packages from
/// the folder feed with `dotnet add package`; the one reference to Bulwark.Runtime brings the runtime, the generator
/// and the analyzers; the project builds without warnings and runs, and its checkpoint survives into the next run.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ConsumerPackageTests(PackedFeed feed)
{
    [Fact]
    public async Task A_new_project_adds_the_packages_and_gets_generated_members_and_checkpoints_that_work()
    {
        var consumer = await feed.GetConsumerAsync();

        var project = await File.ReadAllTextAsync(Path.Combine(consumer.Directory, "MyPipeline.csproj"));
        var output = Path.Combine(consumer.Directory, "bin", "Debug", "net10.0");
        foreach (var library in Packages.Libraries)
        {
            Assert.Contains($"<PackageReference Include=\"{library.Id}\" Version=\"{feed.Version}\" />", project, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output, library.Id + ".dll")), $"the build output lacks {library.Id}.dll");
        }

        // The generator ran inside the user's build (the schema and table name are generated members), and the
        // checkpointed counter went on from the first run's total.
        Assert.Equal(
            ["visit: 2 rows (Id, Url, Referrer, ts, Tags), read back equal: True", "visits counted over all runs: 2"],
            Lines(consumer.FirstRun.StandardOutput).Select(StripCheckpointId));
        Assert.Equal(
            ["visit: 2 rows (Id, Url, Referrer, ts, Tags), read back equal: True", "visits counted over all runs: 4"],
            Lines(consumer.SecondRun.StandardOutput).Select(StripCheckpointId));

        // The build also wrote the checkpoint lock file, through the package's build targets.
        Assert.Contains("\"VisitCounter\"", await File.ReadAllTextAsync(Path.Combine(consumer.Directory, "bulwark.lock.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_generators_diagnostics_come_with_the_package()
    {
        var consumer = await feed.GetConsumerAsync();
        var broken = Path.Combine(consumer.Directory, "Broken.cs");
        await File.WriteAllTextAsync(broken, """
            [Bulwark.ArrowRecord]
            public record NotPartial(int X);
            """);
        ProcessResult build;
        try
        {
            build = await ProcessRunner.RunAsync("dotnet", ["build", "--no-restore"], consumer.Directory, feed.Env);
        }
        finally
        {
            File.Delete(broken);
        }

        Assert.True(build.ExitCode != 0, build.Describe("dotnet build with a non-partial [ArrowRecord]"));
        Assert.Contains("error BWK0001", build.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("'NotPartial' is marked [ArrowRecord] but is not partial", build.StandardOutput, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string StripCheckpointId(string line) =>
        line.IndexOf(" (checkpoint ", StringComparison.Ordinal) is var at and >= 0 ? line[..at] : line;
}
