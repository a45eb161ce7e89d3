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
/// from the root of a copy of the clone, nothing else), into one folder feed; one NuGet packages folder for every restore of the
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

    /// <summary>
    /// A copy of the clone's sources the packs run in. Packing in the clone itself would restore its projects into this
    /// run's packages folder, which is deleted at the end, while the other test projects of the same `dotnet test`
    /// still build from the clone's obj folders.
    /// </summary>
    public string Source => Path.Combine(Work, "source");

    public async Task InitializeAsync()
    {
        CopySources(Root, Source);
        foreach (var package in Packages.All)
        {
            _packs[package.Id] = await ProcessRunner.RunAsync("dotnet", ["pack", package.ProjectDirectory, "-o", Feed], Source, Env);
        }

        var runtime = Directory.Exists(Feed) ? Directory.GetFiles(Feed, "Bulwark.Runtime.*.nupkg").SingleOrDefault() : null;
        Version = runtime is null ? "" : Path.GetFileNameWithoutExtension(runtime)["Bulwark.Runtime.".Length..];
    }

    /// <summary>The repository's top-level files and its src/ tree, without build output.</summary>
    private static void CopySources(string root, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(root))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        CopyTree(Path.Combine(root, "src"), Path.Combine(destination, "src"));
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is "bin" or "obj" or "node_modules")
            {
                continue;
            }

            CopyTree(directory, Path.Combine(to, name));
        }
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
