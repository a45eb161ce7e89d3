namespace Bulwark.Package.Tests;

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackedFeed>
{
    // One collection: every test shares one pack, one feed and one packages folder, and they run one after another
    // rather than competing with each other for the cores.
    public const string Name = "packages";
}

/// <summary>
/// Every package of <see cref="Packages.All"/> packed once per test run, as the README says (`dotnet pack DIR -o FEED`
/// from the repository root, nothing else), into one folder feed; one NuGet packages folder for every restore of the
/// run, so no machine-wide cache serves an older build of the same version; and the README's consumer project.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private readonly Dictionary<string, ProcessResult> _packs = new(StringComparer.Ordinal);
    private readonly Lazy<Task<Consumer>> _consumer;

    public PackedFeed()
    {
        _consumer = new(() => Consumer.CreateAsync(this));
        Work = Path.Combine(Path.GetTempPath(), "bulwark-package-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Work);
    }

    /// <summary>The scratch folder of this test run; everything the tests make lives under it.</summary>
    public string Work { get; }

    public string Root { get; } = ProcessRunner.FindRepositoryRoot();

    public string Feed => Path.Combine(Work, "feed");

    /// <summary>The packages' version: the repository's own, so the README's commands need none.</summary>
    public string Version { get; private set; } = "";

    public Dictionary<string, string> Env => new()
    {
        ["NUGET_PACKAGES"] = Path.Combine(Work, "packages"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
    };

    public async Task InitializeAsync()
    {
        foreach (var package in Packages.All)
        {
            _packs[package.Id] = await ProcessRunner.RunAsync("dotnet", ["pack", package.ProjectDirectory, "-o", Feed], Root, Env);
        }

        var runtime = Directory.Exists(Feed) ? Directory.GetFiles(Feed, "Bulwark.Runtime.*.nupkg").SingleOrDefault() : null;
        Version = runtime is null ? "" : Path.GetFileNameWithoutExtension(runtime)["Bulwark.Runtime.".Length..];
    }

    public Task DisposeAsync()
    {
        ProcessRunner.DeleteQuietly(Work);
        return Task.CompletedTask;
    }

    /// <summary>The path of a package in the feed, after asserting that its `dotnet pack` succeeded.</summary>
    public string RequirePackage(string id)
    {
        var pack = _packs[id];
        Assert.True(pack.ExitCode == 0, pack.Describe($"dotnet pack of {id}"));
        var nupkg = Path.Combine(Feed, $"{id}.{Version}.nupkg");
        Assert.True(File.Exists(nupkg), $"expected {nupkg}; the feed holds: {string.Join(", ", Directory.GetFiles(Feed).Select(Path.GetFileName))}");
        return nupkg;
    }

    /// <summary>The nuget.config the README tells a user to put beside a project: the folder feed added to their sources.</summary>
    public string NuGetConfig => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="bulwark-local" value="{Feed}" />
          </packageSources>
        </configuration>
        """;

    /// <summary>The README's consumer project, made and run once for the tests that need it (a failure fails each of them).</summary>
    public Task<Consumer> GetConsumerAsync() => _consumer.Value;
}
