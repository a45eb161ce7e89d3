using System.Text;
using Bulwark.Checkpoints;
using Bulwark.Storage;

// A checkpointing process for tests to kill. One line per event on stdout, flushed at once, so whatever the parent has
// read when it kills this process is exactly what had happened by then:
//   locked <holder pid> <holder host>   (only with --wait-for-lock; the open is retried)
//   opened <pid>
//   committed <checkpoint id> <pid>:<n> (printed only after CommitAsync returned: the checkpoint is durable)
//   error <type>: <message>             (exit code 3)
if (args.Length is < 3 or > 4 || args[0] != "checkpoint-loop" || !long.TryParse(args[2], out var count) || count < 0
    || (args.Length == 4 && args[3] != "--wait-for-lock"))
{
    Console.Error.WriteLine("usage: Bulwark.Tests.Worker checkpoint-loop STORE COUNT [--wait-for-lock]   (COUNT 0 = forever)");
    return 2;
}

var store = args[1];
var waitForLock = args.Length == 4;
var pid = Environment.ProcessId;

try
{
    await using var checkpointer = await OpenAsync();
    Say($"opened {pid}");
    for (long n = 1; count == 0 || n <= count; n++)
    {
        var draft = checkpointer.CreateDraft().SetState("loop", Encoding.UTF8.GetBytes($"{pid}:{n}"));
        if (n % 5 == 0)
        {
            draft.AddSharedFile($"batch-{pid}-{n}.bin", BatchContents(pid, n));
        }

        var committed = await checkpointer.CommitAsync(draft);
        Say($"committed {committed.Id:D} {pid}:{n}");
        if (n % 10 == 0)
        {
            await checkpointer.CollectGarbageAsync(retain: 3);
        }
    }

    return 0;
}
catch (Exception e)
{
    Say($"error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
    return 3;
}

async Task<Checkpointer> OpenAsync()
{
    while (true)
    {
        try
        {
            return await Checkpointer.OpenAsync(new LocalFileSystemBackend(store));
        }
        catch (CheckpointStoreLockedException e) when (waitForLock)
        {
            // "?" when the holder's owner record could not be read; the test then sees a holder it did not expect.
            Say($"locked {e.Holder?.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} {e.Holder?.Host ?? "?"}");
            await Task.Delay(100);
        }
    }
}

static void Say(string line)
{
    Console.Out.WriteLine(line);
    Console.Out.Flush();
}

// A few KB that depend only on the name, so a test could recompute them; the CRC in the manifest is what restore checks.
static byte[] BatchContents(int pid, long n)
{
    var bytes = new byte[4096];
    new Random(unchecked((pid * 100_003) + (int)n)).NextBytes(bytes);
    return bytes;
}
