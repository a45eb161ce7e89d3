using System.Text;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Tests.Worker;

// A checkpointing process for tests to kill. One line per event on stdout, flushed at once, so whatever the parent has
// read when it kills this process is exactly what had happened by then:
//   locked <holder pid> <holder host>   (only with --wait-for-lock; the open is retried)
//   opened <pid> <restored state|none>  (the state of the newest checkpoint it found, as a restarted pipeline would)
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
    var restored = await checkpointer.RestoreLatestAsync();
    var restoredState = restored is not null && restored.TryGetState("loop", out var state) ? Encoding.UTF8.GetString(state.Span) : "none";
    Say($"opened {pid} {restoredState}");

    // Numbering goes on from the restored checkpoint, so shared files and collections keep the store's cadence across
    // restarts and a test can check that the numbers in a catalog only ever grow.
    var first = restoredState.Split(':') is [_, var last] ? long.Parse(last, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1;
    for (var n = first; count == 0 || n < first + count; n++)
    {
        var draft = checkpointer.CreateDraft().SetState("loop", Encoding.UTF8.GetBytes($"{pid}:{n}"));
        if (n % 5 == 0)
        {
            draft.AddSharedFile(WorkerBatch.Name(pid, n), WorkerBatch.Contents(pid, n));
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

