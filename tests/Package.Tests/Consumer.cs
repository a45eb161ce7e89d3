namespace Bulwark.Package.Tests;

/// <summary>
/// A user's first project, made with exactly the README's commands: `dotnet new console -o MyPipeline`, the README's
/// nuget.config beside it, `dotnet add package ID` for every library package, the README's Program.cs, then
/// `dotnet run` twice (the second run restores the first run's checkpoint). Before the runs one
/// `dotnet build -warnaserror` checks that the packages bring no warnings into a user's project.
/// </summary>
public sealed class Consumer
{
    /// <summary>The README's Program.cs: an [ArrowRecord] written and read back, and a counter checkpointed across runs.</summary>
    public const string ProgramText = """
        using Bulwark;
        using Bulwark.Arrow;
        using Bulwark.Checkpoints;
        using Bulwark.Storage;

        var visits = new[]
        {
            new Visit(1, "https://a.example/", null, new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), ["x", "y"]),
            new Visit(2, "https://b.example/ünïcødé", "https://a.example/", new DateTimeOffset(2026, 11, 21, 12, 0, 1, TimeSpan.Zero), []),
        };
        Directory.CreateDirectory("bulwark-data");
        await ArrowFile.WriteAsync("bulwark-data/visits.arrow", visits);
        var back = await ArrowFile.ReadAsync<Visit>("bulwark-data/visits.arrow");
        var same = back.Zip(visits).All(p => p.First with { Tags = p.Second.Tags } == p.Second && p.First.Tags.SequenceEqual(p.Second.Tags));
        Console.WriteLine($"{Visit.TableName}: {back.Count} rows ({string.Join(", ", Visit.ArrowSchema.FieldsList.Select(f => f.Name))}), read back equal: {same}");

        // The counter survives restarts: each run restores the latest checkpoint, adds to it and commits a new one.
        await using var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(Path.GetFullPath("bulwark-data/checkpoints")));
        var latest = await checkpointer.RestoreLatestAsync();
        var counter = latest is not null && latest.TryGetState<VisitCounter>("visits", out var restored) ? restored : new VisitCounter();
        counter.Total += back.Count;
        var committed = await checkpointer.CommitAsync(checkpointer.CreateDraft().SetState("visits", counter));
        Console.WriteLine($"visits counted over all runs: {counter.Total} (checkpoint {committed.Id})");

        [ArrowRecord]
        public partial record Visit(long Id, string Url, string? Referrer, [property: Column("ts")] DateTimeOffset At, string[] Tags);

        [CheckpointState]
        public partial class VisitCounter
        {
            [Id(1)] public long Total { get; set; }
        }
        """;

    private Consumer(string directory, ProcessResult firstRun, ProcessResult secondRun)
    {
        Directory = directory;
        FirstRun = firstRun;
        SecondRun = secondRun;
    }

    public string Directory { get; }

    /// <summary>The checkpoint store the two runs committed to.</summary>
    public string CheckpointStore => Path.Combine(Directory, "bulwark-data", "checkpoints");

    public ProcessResult FirstRun { get; }

    public ProcessResult SecondRun { get; }

    internal static async Task<Consumer> CreateAsync(PackedFeed feed)
    {
        foreach (var library in Packages.Libraries)
        {
            feed.RequirePackage(library.Id);
        }

        var env = feed.Env;
        var directory = Path.Combine(feed.Work, "MyPipeline");
        await Step(feed.Work, "dotnet new console -o MyPipeline", "new", "console", "-o", "MyPipeline");
        await File.WriteAllTextAsync(Path.Combine(directory, "nuget.config"), feed.NuGetConfig);
        foreach (var library in Packages.Libraries)
        {
            await Step(directory, "dotnet add package " + library.Id, "add", "package", library.Id);
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "Program.cs"), ProgramText);
        await Step(directory, "dotnet build -warnaserror", "build", "-warnaserror");
        var first = await Step(directory, "the first dotnet run", "run");
        var second = await Step(directory, "the second dotnet run", "run");
        return new Consumer(directory, first, second);

        async Task<ProcessResult> Step(string workingDirectory, string what, params string[] arguments)
        {
            var result = await ProcessRunner.RunAsync("dotnet", arguments, workingDirectory, env);
            Assert.True(result.ExitCode == 0, result.Describe(what));
            return result;
        }
    }
}
