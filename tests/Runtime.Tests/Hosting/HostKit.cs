using Bulwark.Hosting;
using Bulwark.Runtime.Tests.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Bulwark.Runtime.Tests.Hosting;

/// <summary>
/// A real generic host (Host.CreateApplicationBuilder without the default sources) with in-memory configuration under
/// <c>Bulwark:</c>, a FakeTimeProvider as its TimeProvider and a temp directory as its content root.
/// </summary>
internal sealed class HostKit : IAsyncDisposable
{
    /// <summary>Far beyond any healthy wait on a loaded machine; only a hang trips it.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    private readonly TempDirectory _directory = new();

    public HostKit(Dictionary<string, string?> settings, Action<BulwarkBuilder> register)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _directory.Path });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Bulwark:" + s.Key, s.Value)));
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<TimeProvider>(Time);

        // The host's own stop deadline runs on the wall clock: off, so that only the tests' tokens and clocks decide.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        register(builder.Services.AddBulwark(builder.Configuration));
        Host = builder.Build();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public IHost Host { get; }

    public string Root => _directory.Path;

    public T Get<T>(string name)
        where T : notnull => Host.Services.GetRequiredKeyedService<T>(name);

    public Task StartAsync() => Host.StartAsync().WaitAsync(HangGuard);

    public async Task<HealthReportEntry> HealthAsync(string check)
    {
        var report = await Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == check).WaitAsync(HangGuard);
        return Assert.Single(report.Entries, e => e.Key == check).Value;
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded, so that a component whose shutdown hangs fails its test instead of the whole run.
        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().AsTask().WaitAsync(HangGuard);
        }

        _directory.Dispose();
    }
}
