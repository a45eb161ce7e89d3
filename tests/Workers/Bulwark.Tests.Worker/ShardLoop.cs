using System.Globalization;
using Bulwark.Shards;
using Bulwark.Storage;
using static Bulwark.Tests.Worker.WorkerOutput;

namespace Bulwark.Tests.Worker;

/// <summary>
/// A shard writer process: one of several writers racing to append to <see cref="ShardWorkload.ShardId"/> over a
/// <see cref="FileConsensus"/> and a local blob directory. Lines:
/// <c>opened &lt;writer&gt; &lt;upper&gt;</c>;
/// <c>retried &lt;run&gt; &lt;append&gt; &lt;outcome&gt; &lt;upper&gt;</c> (with --retry: the append a kill left unanswered, same token);
/// <c>attempt &lt;run&gt; &lt;append&gt; &lt;expected upper&gt; &lt;new upper&gt;</c> (printed before the append starts);
/// <c>committed|already|mismatch &lt;run&gt; &lt;append&gt; &lt;upper&gt;</c> (after it returned);
/// <c>compacting</c>, <c>compacted &lt;parts&gt;</c>, <c>collecting</c>, <c>collected &lt;deleted&gt; &lt;kept&gt;</c> around maintenance;
/// and the storage steps (<c>stored</c>, <c>synced</c>, <c>deleted</c>, see <see cref="ObservedBackend"/>).
/// Runs until killed or until its standard input closes.
/// </summary>
internal static class ShardLoop
{
    public const string Mode = "shard-loop";

    public const string Usage = "shard-loop ROOT WRITER RUN [--retry RUN APPEND EXPECTED]   (runs until killed or until standard input closes)";

    public static async Task<int> RunAsync(string[] args)
    {
        if ((args.Length != 4 && args.Length != 8) || !int.TryParse(args[3], CultureInfo.InvariantCulture, out var run)
            || (args.Length == 8 && args[4] != "--retry"))
        {
            Console.Error.WriteLine($"usage: Bulwark.Tests.Worker {Usage}");
            return 2;
        }

        var (root, writer) = (args[1], args[2]);
        _ = Task.Run(ExitWhenInputEndsAsync);
        try
        {
            var consensus = new FileConsensus(ShardWorkload.ConsensusDirectory(root));
            var blob = new ObservedBackend(new LocalFileSystemBackend(ShardWorkload.BlobDirectory(root)), reportDeletes: true);
            var shard = await Shard<ShardRow>.OpenAsync(ShardWorkload.ShardId, consensus, blob, ShardWorkload.Options());
            var appender = await shard.OpenWriterAsync(writer);
            Say($"opened {writer} {(await shard.GetFrontiersAsync()).Upper}");
            if (args.Length == 8)
            {
                var (oldRun, append, expected) = (int.Parse(args[5], CultureInfo.InvariantCulture), long.Parse(args[6], CultureInfo.InvariantCulture), long.Parse(args[7], CultureInfo.InvariantCulture));
                var result = await AppendAsync(appender, writer, oldRun, append, expected);
                Say($"retried {oldRun} {append} {Name(result)} {result.CurrentUpper}");
            }

            for (long append = 0; ; append++)
            {
                var upper = (await shard.GetFrontiersAsync()).Upper;
                Say($"attempt {run} {append} {upper} {upper + ShardWorkload.Width(append)}");
                var result = await AppendAsync(appender, writer, run, append, upper);
                Say($"{Name(result)} {run} {append} {result.CurrentUpper}");
                if (append % ShardWorkload.MaintainEvery == ShardWorkload.MaintainEvery - 1)
                {
                    await MaintainAsync(shard, appender, result.CurrentUpper);
                }

                // A throttle, not a timing: while the test restarts or checks, the other writer would otherwise spend
                // the machine on thousands of appends nobody kills in the middle of.
                await Task.Delay(ShardWorkload.Pause);
            }
        }
        catch (Exception e)
        {
            return Error(e);
        }
    }

    private static Task<AppendResult> AppendAsync(ShardWriter<ShardRow> appender, string writer, int run, long append, long upper) =>
        appender.CompareAndAppendAsync(ShardWorkload.Batch(writer, run, append, upper), upper, upper + ShardWorkload.Width(append), ShardWorkload.Token(writer, run, append));

    /// <summary>Advances the since (two below the upper, so reads as of upper - 1 stay valid), compacts, collects garbage.</summary>
    private static async Task MaintainAsync(Shard<ShardRow> shard, ShardWriter<ShardRow> appender, long upper)
    {
        await shard.AdvanceSinceAsync(Math.Max(0, upper - 2));
        Say("compacting");
        Say($"compacted {await appender.CompactAsync()}");
        Say("collecting");
        var garbage = await shard.CollectGarbageAsync();
        Say($"collected {garbage.DeletedParts} {garbage.KeptParts}");
    }

    private static string Name(AppendResult result) => result.Outcome switch
    {
        AppendOutcome.Committed => "committed",
        AppendOutcome.AlreadyCommitted => "already",
        _ => "mismatch",
    };

    private static async Task ExitWhenInputEndsAsync()
    {
        await Console.OpenStandardInput().CopyToAsync(Stream.Null);
        Environment.Exit(4);
    }
}
