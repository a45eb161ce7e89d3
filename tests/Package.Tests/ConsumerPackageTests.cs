using System.IO.Compression;

namespace Bulwark.Package.Tests;

/// <summary>
/// The promise of DESIGN §1: one PackageReference to Bulwark.Runtime brings the runtime, the generator and the
/// analyzers. A throw-away project restores the freshly packed package from a local folder feed — and nothing else,
/// with a private package cache — builds with warnings as errors, and runs.
/// </summary>
public sealed class ConsumerPackageTests : IDisposable
{
    // A hang guard, not a speed expectation: a pack or build competing with other test projects for two cores takes
    // minutes, so the guard sits far above that and well inside the CI run's own limit.
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(30);
    private readonly string _work = Path.Combine(Path.GetTempPath(), "bulwark-package-" + Guid.NewGuid().ToString("N")[..12]);

    public ConsumerPackageTests() => Directory.CreateDirectory(_work);

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
    public async Task Consumer_restores_one_package_and_gets_generated_members_that_work()
    {
        var root = ProcessRunner.FindRepositoryRoot();
        var feed = Path.Combine(_work, "feed");
        // A unique version keeps any package cache from serving an older build of the same version.
        var version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
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

        var nupkg = Path.Combine(feed, $"Bulwark.Runtime.{version}.nupkg");
        Assert.True(File.Exists(nupkg), $"expected {nupkg}; feed holds: {string.Join(", ", Directory.GetFiles(feed))}");
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/Bulwark.Runtime.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/Bulwark.Generators.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/Bulwark.Analyzers.dll", entries);
        }

        var consumer = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(consumer);
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="bulwark-local" value="{feed}" />
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
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
            using Bulwark;
            using Bulwark.Arrow;

            var visits = new[]
            {
                new Visit(1, "https://a.example/", null, Kind.Page, new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), ["x", "y"]),
                new Visit(2, "https://b.example/ünïcødé", "https://a.example/", Kind.Asset, new DateTimeOffset(2026, 11, 21, 12, 0, 1, TimeSpan.Zero), []),
            };
            var path = Path.Combine(Path.GetTempPath(), "consumer-" + Guid.NewGuid().ToString("N") + ".arrow");
            await ArrowFile.WriteAsync(path, visits);
            var back = await ArrowFile.ReadAsync<Visit>(path);
            File.Delete(path);
            Console.WriteLine($"table={Visit.TableName}");
            Console.WriteLine($"columns={string.Join(",", Visit.ArrowSchema.FieldsList.Select(f => f.Name))}");
            Console.WriteLine($"rows={back.Count}");
            Console.WriteLine($"equal={visits.Zip(back).All(p => p.First.Id == p.Second.Id && p.First.Url == p.Second.Url && p.First.Referrer == p.Second.Referrer && p.First.Kind == p.Second.Kind && p.First.At == p.Second.At && p.First.Tags.SequenceEqual(p.Second.Tags))}");

            public enum Kind { Page, Asset }

            [ArrowRecord]
            public partial record Visit(long Id, string Url, string? Referrer, Kind Kind, [property: Column("ts")] DateTimeOffset At, string[] Tags);
            """);

        var build = await ProcessRunner.RunAsync("dotnet", ["build", "-c", "Release", "--nologo"], consumer, env, StepTimeout);
        Assert.True(build.ExitCode == 0, build.Describe("dotnet build of the consumer"));

        var run = await ProcessRunner.RunAsync("dotnet", ["run", "-c", "Release", "--no-build"], consumer, env, StepTimeout);
        Assert.True(run.ExitCode == 0, run.Describe("the consumer"));
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["table=visit", "columns=Id,Url,Referrer,Kind,ts,Tags", "rows=2", "equal=True"], lines);

        // The generator's diagnostics come through the same package: a non-partial record fails the build with BWK0001.
        await File.WriteAllTextAsync(Path.Combine(consumer, "Broken.cs"), """
            [Bulwark.ArrowRecord]
            public record NotPartial(int X);
            """);
        var broken = await ProcessRunner.RunAsync("dotnet", ["build", "-c", "Release", "--nologo", "--no-restore"], consumer, env, StepTimeout);
        Assert.True(broken.ExitCode != 0, broken.Describe("dotnet build of the consumer with a non-partial record"));
        Assert.Contains("error BWK0001", broken.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("'NotPartial' is marked [ArrowRecord] but is not partial", broken.StandardOutput, StringComparison.Ordinal);
    }
}
