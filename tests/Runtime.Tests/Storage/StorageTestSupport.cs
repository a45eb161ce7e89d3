using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>A fresh directory under the temp folder, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Join(System.IO.Path.GetTempPath(), "bulwark-storage-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Join(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail the test that produced it.
        }
    }
}

/// <summary>Hands out private meters, so a test observes only the backend it created even while other tests run.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly ConcurrentBag<Meter> meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, this);
        meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in meters)
        {
            meter.Dispose();
        }
    }
}

/// <summary>Records the backend's events in order: the directories it reports syncing, and any event whole.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<RecordedEvent> events = new();

    public IReadOnlyList<string> SyncedDirectories =>
        events.Where(e => e.Name == "DirectorySynced").Select(e => (string)e.Fields["Directory"]!).ToArray();

    /// <summary>The events named <paramref name="name"/> (the logging method's name).</summary>
    public IReadOnlyList<RecordedEvent> Named(string name) => events.Where(e => e.Name == name).ToArray();

    public void Clear() => events.Clear();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        events.Enqueue(new RecordedEvent(
            eventId.Name,
            logLevel,
            formatter(state, exception),
            exception,
            (state as IReadOnlyList<KeyValuePair<string, object?>> ?? []).ToDictionary(p => p.Key, p => p.Value)));
}

internal sealed record RecordedEvent(string? Name, LogLevel Level, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Fields);

/// <summary>Hands out one <see cref="RecordingLogger"/> per category and remembers the categories asked for.</summary>
internal sealed class CategoryLoggers : ILoggerFactory
{
    private readonly Dictionary<string, RecordingLogger> _loggers = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Categories
    {
        get
        {
            lock (_loggers)
            {
                return _loggers.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }

    public RecordingLogger For(string category)
    {
        lock (_loggers)
        {
            return _loggers[category];
        }
    }

    public ILogger CreateLogger(string categoryName)
    {
        lock (_loggers)
        {
            return _loggers.TryGetValue(categoryName, out var logger) ? logger : _loggers[categoryName] = new RecordingLogger();
        }
    }

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("The tests' logger factory takes no providers.");

    public void Dispose()
    {
    }
}
