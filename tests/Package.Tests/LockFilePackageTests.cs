namespace Bulwark.Package.Tests;

/// <summary>
/// The checkpoint lock-file workflow as a package consumer sees it: <c>dotnet build -p:BulwarkUpdateLockFile=true</c>
/// writes <c>bulwark.lock.json</c>; after a member is removed a plain build fails with BWK0111 until the switch moves
/// its id to the reserved list; reusing that id is BWK0110 even with the switch on.
/// </summary>
public sealed class LockFilePackageTests : IDisposable
{
    // A hang guard, not a speed expectation: a pack or build competing with other test projects for two cores takes
    // minutes, so the guard sits far above that and well inside the CI run's own limit.
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(30);
    private readonly string _work = Path.Combine(Path.GetTempPath(), "bulwark-lock-" + Guid.NewGuid().ToString("N")[..12]);

    public LockFilePackageTests() => Directory.CreateDirectory(_work);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file for a moment; the temp folder is cleaned by the OS later.
        }
    }

    [Fact]
    public async Task Update_switch_writes_the_lock_file_and_reserves_removed_ids()
    {
        var root = ProcessRunner.FindRepositoryRoot();
        var feed = Path.Combine(_work, "feed");
        var version = "0.1.0-lock." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
        var env = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(_work, "packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };

        var pack = await ProcessRunner.RunAsync(
            "dotnet",
            ["pack", Path.Combine(root, "src", "Runtime", "Bulwark.Runtime.csproj"), "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(_work, "artifacts"), "-p:Version=" + version, "--nologo"],
            root,
            env,
            StepTimeout);
        Assert.True(pack.ExitCode == 0, pack.Describe("dotnet pack"));

        // The runtime's own dependencies come from this machine's package cache, so the test needs no network.
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var consumer = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(consumer);
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="bulwark-local" value="{feed}" />
                <add key="machine-cache" value="{machineCache}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Bulwark.Runtime" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        var program = Path.Combine(consumer, "Program.cs");
        await File.WriteAllTextAsync(program, """
            using Bulwark;
            using Bulwark.Serialization;

            var counter = new HostCounter();
            counter.Count("a.example");
            var back = CheckpointSerializer.Deserialize<HostCounter>(CheckpointSerializer.Serialize(counter), "state.bin");
            Console.WriteLine($"total={back.Total}");

            [CheckpointState]
            public partial class HostCounter
            {
                [Id(1)] private Dictionary<string, long> _countsByHost = new();
                [Id(2)] private long _total;
                [Id(3)] public string? Note { get; set; }

                public long Total => _total;

                public void Count(string host)
                {
                    _countsByHost[host] = _countsByHost.GetValueOrDefault(host) + 1;
                    _total++;
                }
            }
            """);
        var lockPath = Path.Combine(consumer, "bulwark.lock.json");

        var update = await Build(consumer, env, "-p:BulwarkUpdateLockFile=true");
        Assert.True(update.ExitCode == 0, update.Describe("the first build with the update switch"));
        Assert.Equal("""
            {
              "version": 1,
              "states": {
                "HostCounter": {
                  "fields": [
                    { "id": 1, "name": "_countsByHost", "type": "dictionary<string,int64>" },
                    { "id": 2, "name": "_total", "type": "int64" },
                    { "id": 3, "name": "Note", "type": "string?" }
                  ],
                  "reserved": []
                }
              }
            }

            """.ReplaceLineEndings("\n"), await File.ReadAllTextAsync(lockPath));

        var run = await ProcessRunner.RunAsync("dotnet", ["run", "-c", "Release", "--no-build"], consumer, env, StepTimeout);
        Assert.True(run.ExitCode == 0, run.Describe("the consumer"));
        Assert.Equal("total=1", run.StandardOutput.Trim());

        var source = await File.ReadAllTextAsync(program);
        await File.WriteAllTextAsync(program, source.Replace("    [Id(3)] public string? Note { get; set; }\n", string.Empty, StringComparison.Ordinal));
        var removed = await Build(consumer, env);
        Assert.True(removed.ExitCode != 0, removed.Describe("a plain build after removing a member"));
        Assert.Contains("error BWK0111", removed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("dotnet build -p:BulwarkUpdateLockFile=true", removed.StandardOutput, StringComparison.Ordinal);

        var reserved = await Build(consumer, env, "-p:BulwarkUpdateLockFile=true");
        Assert.True(reserved.ExitCode == 0, reserved.Describe("the update build after removing a member"));
        var lockText = await File.ReadAllTextAsync(lockPath);
        Assert.Contains("\"reserved\": [3]", lockText, StringComparison.Ordinal);
        Assert.DoesNotContain("Note", lockText, StringComparison.Ordinal);

        await File.WriteAllTextAsync(program, (await File.ReadAllTextAsync(program)).Replace("[Id(2)] private long _total;", "[Id(2)] private long _total;\n    [Id(3)] public int Reused;", StringComparison.Ordinal));
        var reused = await Build(consumer, env, "-p:BulwarkUpdateLockFile=true");
        Assert.True(reused.ExitCode != 0, reused.Describe("an update build that reuses a reserved id"));
        Assert.Contains("error BWK0110", reused.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(lockText, await File.ReadAllTextAsync(lockPath));
    }

    private static Task<ProcessResult> Build(string directory, IReadOnlyDictionary<string, string> env, params string[] extra) =>
        ProcessRunner.RunAsync("dotnet", ["build", "-c", "Release", "--nologo", .. extra], directory, env, StepTimeout);
}
