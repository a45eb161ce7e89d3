using System.Diagnostics.Metrics;

namespace Bulwark;

/// <summary>
/// Where a component's instruments live: on a meter from the host's <see cref="IMeterFactory"/> (one per component,
/// disposed with the container), or, without one, on a single process-wide meter per meter name that every instance
/// shares, as the System.Diagnostics.Metrics guidance recommends for library code. Sharing stays leak-free because the
/// instruments are counters and up-down counters: nothing registers a callback per instance.
/// </summary>
internal static class ComponentMeter
{
    private static readonly Dictionary<string, object> Shared = new(StringComparer.Ordinal);

    public static T Instruments<T>(IMeterFactory? meterFactory, string meterName, Func<Meter, T> create)
        where T : class
    {
        if (meterFactory is not null)
        {
            return create(meterFactory.Create(new MeterOptions(meterName)));
        }

        // Under the lock two racing first callers cannot create two process-wide meters of one name.
        lock (Shared)
        {
            if (!Shared.TryGetValue(meterName, out var shared))
            {
                shared = create(new Meter(meterName));
                Shared.Add(meterName, shared);
            }

            return (T)shared;
        }
    }
}
