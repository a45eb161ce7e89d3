namespace Bulwark.Tests.Worker;

/// <summary>The shared batch file a worker adds with every 5th checkpoint; public so a test can recompute it.</summary>
public static class WorkerBatch
{
    public static string Name(int pid, long n) => $"batch-{pid}-{n}.bin";

    /// <summary>4 KB that depend only on the worker's pid and the checkpoint's number (a seeded Random is stable).</summary>
    public static byte[] Contents(int pid, long n)
    {
        var bytes = new byte[4096];
        new Random(unchecked((pid * 100_003) + (int)n)).NextBytes(bytes);
        return bytes;
    }
}
