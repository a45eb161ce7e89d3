using System.Diagnostics.Metrics;
using Bulwark.Ingest;
using Bulwark.Storage;

namespace Bulwark.Benchmarks;

/// <summary>
/// What a run did to the disk and to memory: fsyncs as the local backend performed them (the Bulwark.Storage meter's
/// bulwark.storage.fsyncs, tagged file or directory) and the controller's own accounting of the bytes it holds (the
/// Bulwark.Ingest meter's bulwark.ingest.cached_bytes, which MaxCachedBytes bounds), its running peak kept here.
/// </summary>
internal sealed class IngestMeters : IDisposable
{
    private readonly MeterListener listener = new();
    private long fileSyncs;
    private long directorySyncs;
    private long cached;
    private long peakCached;

    public IngestMeters()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if ((instrument.Meter.Name == StorageMetrics.MeterName && instrument.Name == StorageMetrics.Fsyncs)
                || (instrument.Meter.Name == IngestMetrics.MeterName && instrument.Name == IngestMetrics.CachedBytes))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == IngestMetrics.CachedBytes)
            {
                var now = Interlocked.Add(ref cached, value);
                for (var peak = Volatile.Read(ref peakCached); now > peak && Interlocked.CompareExchange(ref peakCached, now, peak) != peak; peak = Volatile.Read(ref peakCached))
                {
                }

                return;
            }

            foreach (var tag in tags)
            {
                if (tag.Key == "kind" && (string?)tag.Value == "directory")
                {
                    Interlocked.Add(ref directorySyncs, value);
                    return;
                }
            }

            Interlocked.Add(ref fileSyncs, value);
        });
        listener.Start();
    }

    public long FileSyncs => Interlocked.Read(ref fileSyncs);

    public long DirectorySyncs => Interlocked.Read(ref directorySyncs);

    public long PeakCachedBytes => Interlocked.Read(ref peakCached);

    public void Reset()
    {
        Interlocked.Exchange(ref fileSyncs, 0);
        Interlocked.Exchange(ref directorySyncs, 0);
        Interlocked.Exchange(ref peakCached, Interlocked.Read(ref cached));
    }

    public void Dispose() => listener.Dispose();
}

/// <summary>
/// Samples, every 5 ms on a thread of its own, the process working set (Environment.WorkingSet) and the managed heap
/// (GC.GetTotalMemory(false): live objects plus garbage not yet collected), and keeps each one's peak. Peaks, not
/// allocation totals: GC.GetTotalAllocatedBytes counts every byte ever allocated and says nothing about peak memory.
/// </summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly Thread thread;
    private volatile bool stop;

    private MemorySampler()
    {
        // A full collection first, so that each run starts from its live data and the peaks are comparable.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        BaselineWorkingSet = Environment.WorkingSet;
        BaselineHeap = GC.GetTotalMemory(false);
        PeakWorkingSet = BaselineWorkingSet;
        PeakHeap = BaselineHeap;
        thread = new Thread(Sample) { IsBackground = true, Name = "memory sampler" };
        thread.Start();
    }

    public long BaselineWorkingSet { get; }

    public long BaselineHeap { get; }

    public long PeakWorkingSet { get; private set; }

    public long PeakHeap { get; private set; }

    public static MemorySampler Start() => new();

    public void Dispose()
    {
        stop = true;
        thread.Join();
    }

    private void Sample()
    {
        while (!stop)
        {
            PeakWorkingSet = Math.Max(PeakWorkingSet, Environment.WorkingSet);
            PeakHeap = Math.Max(PeakHeap, GC.GetTotalMemory(false));
            Thread.Sleep(5);
        }
    }
}
