namespace Bulwark.Package.Tests;

/// <summary>
/// The checkpoint lock-file workflow as a package consumer sees it: <c>dotnet build -p:BulwarkUpdateLockFile=true</c>
/// writes <c>bulwark.lock.json</c>; after a member is removed a plain build fails with BWK0111 until the switch moves
/// its id to the reserved list; reusing that id is BWK0110 even with the switch on. Without the switch the first build
/// creates the file (not in a CI build, nor where it cannot be written: a warning with the command instead).
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class LockFilePackageTests(PackedFeed feed)
{

    [Fact]
    public async Task Update_switch_writes_the_lock_file_and_reserves_removed_ids()
    {
        var (consumer, env) = await CreateConsumer("lock");
        var program = Path.Combine(consumer, "Program.cs");
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

        var run = await ProcessRunner.RunAsync("dotnet", ["run", "-c", "Release", "--no-build"], consumer, env);
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

    private const string Program = """
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
            """;

    private const string FirstLock = """
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

        """;

    [Fact]
    public async Task The_first_build_creates_the_lock_file_and_a_type_change_after_that_is_a_build_error()
    {
        var (consumer, env) = await CreateConsumer("first");
        var program = Path.Combine(consumer, "Program.cs");
        var lockPath = Path.Combine(consumer, "bulwark.lock.json");

        var first = await Build(consumer, env, "-p:ContinuousIntegrationBuild=false");
        Assert.True(first.ExitCode == 0, first.Describe("the first plain build"));
        Assert.Equal(FirstLock.ReplaceLineEndings("\n"), await File.ReadAllTextAsync(lockPath));
        Assert.Contains("Bulwark: created", first.StandardOutput, StringComparison.Ordinal);

        // The file is the user's from now on: a plain build never rewrites it, even when it no longer matches the code.
        var edited = FirstLock.Replace("\"Note\"", "\"Remark\"", StringComparison.Ordinal).ReplaceLineEndings("\n");
        await File.WriteAllTextAsync(lockPath, edited);
        var second = await Build(consumer, env, "-p:ContinuousIntegrationBuild=false");
        Assert.True(second.ExitCode == 0, second.Describe("a plain build under an existing lock file"));
        Assert.Equal(edited, await File.ReadAllTextAsync(lockPath));

        await File.WriteAllTextAsync(program, Program.Replace("[Id(2)] private long _total;", "[Id(2)] private int _total;", StringComparison.Ordinal));
        var changed = await Build(consumer, env, "-p:ContinuousIntegrationBuild=false");
        Assert.True(changed.ExitCode != 0, changed.Describe("a build after changing id 2 from long to int"));
        Assert.Contains("error BWK0109", changed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(edited, await File.ReadAllTextAsync(lockPath));
    }

    [Fact]
    public async Task A_CI_build_or_a_directory_that_refuses_the_file_creates_nothing_and_warns_with_the_command()
    {
        var (consumer, env) = await CreateConsumer("ci");
        var lockPath = Path.Combine(consumer, "bulwark.lock.json");

        var ci = await Build(consumer, env, "-p:ContinuousIntegrationBuild=true", "-p:TreatWarningsAsErrors=false");
        Assert.True(ci.ExitCode == 0, ci.Describe("a CI build without a lock file"));
        Assert.Contains("warning BWK0113", ci.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("run 'dotnet build -p:BulwarkUpdateLockFile=true' and commit bulwark.lock.json", ci.StandardOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(lockPath), "a CI build must not create bulwark.lock.json");

        // A directory that refuses new files; as root, permissions refuse nothing, so the immutable attribute does it.
        // The first build made obj/ and bin/, whose contents stay writable. (Unix only: a read-only attribute on a
        // Windows directory does not stop files being created in it.)
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await SetWritable(consumer, writable: false);
        ProcessResult refused;
        try
        {
            refused = await Build(consumer, env, "-p:ContinuousIntegrationBuild=false", "-p:TreatWarningsAsErrors=false");
        }
        finally
        {
            await SetWritable(consumer, writable: true);
        }

        Assert.True(refused.ExitCode == 0, refused.Describe("a build whose lock file cannot be created"));
        Assert.Contains("warning BWK0114", refused.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("run 'dotnet build -p:BulwarkUpdateLockFile=true' where the project directory is writable", refused.StandardOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(lockPath));
    }

    [Fact]
    public async Task A_project_without_state_types_gets_no_lock_file()
    {
        var (consumer, env) = await CreateConsumer("plain");
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), "Console.WriteLine(\"no state\");\n");

        var build = await Build(consumer, env, "-p:ContinuousIntegrationBuild=false");
        Assert.True(build.ExitCode == 0, build.Describe("a build without state types"));
        Assert.False(File.Exists(Path.Combine(consumer, "bulwark.lock.json")), "a project without [CheckpointState] types must not get bulwark.lock.json");
    }

    /// <summary>A consumer of the packed runtime in its own folder, with <see cref="Program"/> as its code.</summary>
    private async Task<(string Consumer, Dictionary<string, string> Env)> CreateConsumer(string name)
    {
        feed.RequirePackage("Bulwark.Runtime");
        var consumer = Path.Combine(feed.Work, "lock-" + name);
        Directory.CreateDirectory(consumer);
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), feed.NuGetConfig);
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
                <PackageReference Include="Bulwark.Runtime" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), Program);
        return (consumer, feed.Env);
    }

    private static async Task SetWritable(string directory, bool writable)
    {
        if (Environment.UserName != "root" && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, writable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserExecute);
            return;
        }

        var chattr = await ProcessRunner.RunAsync("chattr", [writable ? "-i" : "+i", directory], directory, null);
        Assert.True(chattr.ExitCode == 0, chattr.Describe("chattr"));
    }

    private static Task<ProcessResult> Build(string directory, IReadOnlyDictionary<string, string> env, params string[] extra) =>
        ProcessRunner.RunAsync("dotnet", ["build", "-c", "Release", "--nologo", .. extra], directory, env);
}
