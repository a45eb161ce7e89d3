namespace Bulwark.Tests.Worker;

/// <summary>The worker's event lines: whole lines, flushed before the call returns, never interleaved.</summary>
internal static class WorkerOutput
{
    private static readonly Lock Gate = new();

    public static void Say(string line)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    /// <summary>The error line a parent fails on; the message is kept on one line.</summary>
    public static int Error(Exception exception)
    {
        Say($"error {exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}");
        return 3;
    }
}
