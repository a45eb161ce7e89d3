using System.Globalization;
using System.Text;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using static Bulwark.Tests.Worker.WorkerOutput;

namespace Bulwark.Tests.Worker;

/// <summary>
/// A checkpointing process. Lines:
/// <c>locked &lt;holder pid&gt; &lt;holder host&gt;</c> (only with --wait-for-lock; the open is retried),
/// <c>opened &lt;pid&gt; &lt;restored state|none&gt;</c> (the state of the newest checkpoint it found, as a restarted pipeline would),
/// <c>committed &lt;checkpoint id&gt; &lt;pid&gt;:&lt;n&gt;</c> (printed only after CommitAsync returned: the checkpoint is durable),
/// <c>collecting</c> and <c>collected &lt;removed checkpoints&gt;</c> around each garbage collection (every
/// <see cref="CollectEvery"/>th checkpoint, keeping <see cref="Retain"/>); with --observe also the storage steps
/// (<c>stored</c>, <c>synced</c>, <c>deleted</c>, see <see cref="ObservedBackend"/>), so a test can count its way
/// into a commit or a collection.
/// </summary>
public static class CheckpointLoop
{
    public const string Mode = "checkpoint-loop";

    public const string Usage = "checkpoint-loop STORE COUNT [--wait-for-lock] [--observe]   (COUNT 0 = forever)";

    /// <summary>Garbage is collected after every checkpoint whose number is a multiple of this.</summary>
    public const int CollectEvery = 4;

    /// <summary>The newest checkpoints each collection keeps.</summary>
    public const int Retain = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = args.Skip(3).ToHashSet(StringComparer.Ordinal);
        if (args.Length < 3 || !long.TryParse(args[2], CultureInfo.InvariantCulture, out var count) || count < 0
            || flags.Count != args.Length - 3 || !flags.IsSubsetOf(["--wait-for-lock", "--observe"]))
        {
            Console.Error.WriteLine($"usage: Bulwark.Tests.Worker {Usage}");
            return 2;
        }

        var store = args[1];
        var waitForLock = flags.Contains("--wait-for-lock");
        var observe = flags.Contains("--observe");
        var pid = Environment.ProcessId;
        try
        {
            await using var checkpointer = await OpenAsync(store, waitForLock, observe);
            var restored = await checkpointer.RestoreLatestAsync();
            var restoredState = restored is not null && restored.TryGetState("loop", out var state) ? Encoding.UTF8.GetString(state.Span) : "none";
            Say($"opened {pid} {restoredState}");

            // Numbering goes on from the restored checkpoint, so shared files and collections keep the store's cadence
            // across restarts and a test can check that the numbers in a catalog only ever grow.
            var first = restoredState.Split(':') is [_, var last] ? long.Parse(last, CultureInfo.InvariantCulture) + 1 : 1;
            for (var n = first; count == 0 || n < first + count; n++)
            {
                var draft = checkpointer.CreateDraft().SetState("loop", Encoding.UTF8.GetBytes($"{pid}:{n}"));
                if (n % 5 == 0)
                {
                    draft.AddSharedFile(WorkerBatch.Name(pid, n), WorkerBatch.Contents(pid, n));
                }

                var committed = await checkpointer.CommitAsync(draft);
                Say($"committed {committed.Id:D} {pid}:{n}");
                if (n % CollectEvery == 0)
                {
                    Say("collecting");
                    var collected = await checkpointer.CollectGarbageAsync(Retain);
                    Say($"collected {collected.RemovedCheckpoints.Count}");
                }
            }

            return 0;
        }
        catch (Exception e)
        {
            return Error(e);
        }
    }

    private static async Task<Checkpointer> OpenAsync(string store, bool waitForLock, bool observe)
    {
        while (true)
        {
            try
            {
                var local = new LocalFileSystemBackend(store);
                return await Checkpointer.OpenAsync(observe ? new ObservedBackend(local, reportDeletes: true) : local);
            }
            catch (CheckpointStoreLockedException e) when (waitForLock)
            {
                // "?" when the holder's owner record could not be read; the test then sees a holder it did not expect.
                Say($"locked {e.Holder?.ProcessId.ToString(CultureInfo.InvariantCulture) ?? "?"} {e.Holder?.Host ?? "?"}");
                await Task.Delay(100);
            }
        }
    }
}
