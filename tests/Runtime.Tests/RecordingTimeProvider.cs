using Microsoft.Extensions.Time.Testing;

namespace Bulwark.Runtime.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/>'s clock and timers, with a record of each timer created (its first due time) and
/// of how many are not yet disposed: what a component waits for on the clock, and whether it stopped waiting when it
/// was disposed. <c>Task.Delay</c> on a time provider disposes its timer when the delay ends or is cancelled.
/// <see cref="TimerCreating"/> lets a test look at its component at the moment it starts to wait;
/// <see cref="TimerCreated"/> tells it when moving the clock will fire the new timer.
/// </summary>
internal sealed class RecordingTimeProvider(FakeTimeProvider clock) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<TimeSpan> _dueTimes = [];
    private int _live;

    /// <summary>The first due time of every timer created so far, in order.</summary>
    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_lock)
            {
                return _dueTimes.ToArray();
            }
        }
    }

    /// <summary>Called with each new timer's due time, before the timer is created.</summary>
    public Action<TimeSpan>? TimerCreating { get; set; }

    /// <summary>Called with each new timer's due time, once the timer exists on the clock.</summary>
    public Action<TimeSpan>? TimerCreated { get; set; }

    /// <summary>Timers created and not yet disposed.</summary>
    public int LiveTimers => Volatile.Read(ref _live);

    public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

    public override long TimestampFrequency => clock.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override long GetTimestamp() => clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        TimerCreating?.Invoke(dueTime);
        lock (_lock)
        {
            _dueTimes.Add(dueTime);
        }

        Interlocked.Increment(ref _live);
        var timer = new RecordedTimer(this, clock.CreateTimer(callback, state, dueTime, period));
        TimerCreated?.Invoke(dueTime);
        return timer;
    }

    private sealed class RecordedTimer(RecordingTimeProvider owner, ITimer timer) : ITimer
    {
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._live);
            }

            timer.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
