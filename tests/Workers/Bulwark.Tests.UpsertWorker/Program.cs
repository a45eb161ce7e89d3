using System.Globalization;
using Bulwark.Shards;
using Bulwark.Shards.PostgreSql;
using Bulwark.Storage;
using Bulwark.Tests.UpsertWorker;
using Bulwark.Upsert;

// One upsert replica over PostgresConsensus and a local blob directory, for tests to race, pause and kill. It reads the
// seeded source (UpsertSource) in steps — push the inputs of [a, b), then AdvanceInputAsync(b) — and prints one line
// per event on stdout, flushed at once, so what the parent has read when it kills this process is what had happened:
//   opened <pid> <Empty|Snapshot|Checkpoint> <output frontier>
//   step <a> <b> <output frontier> <upper before> <upper after>
//       upper before/after: the shard's upper read through a second handle just before AdvanceInputAsync(b) and just
//       after it returned; the operator read or wrote an upper in between, so before <= output frontier <= after
//   paused <t>                          (at each --pause-at time; resumes on one line of stdin, fails on its end)
//   state <key>=<value> ...             (every key's row in the operator's state at the end, keys ascending)
//   counts <counter>.<outcome>=<n> ...  (the operator's appends and inputs by outcome, e.g. appends.upper_mismatch=3)
//   done <output frontier> <upper>      (after a last AdvanceInputAsync(times) with the input stopped; exit code 0)
//   error <type>: <message>             (exit code 3; the whole exception on stderr)
// --from cold reads the source from time 0, as a replica without any record of its input position; --from frontier
// (the default) from the output frontier it opened at, as the usage contract asks of a restarted replica.
if (ReplicaArguments.Parse(args, out var usageError) is not { } options)
{
    Console.Error.WriteLine($"{usageError}\n{ReplicaArguments.Usage}");
    return 2;
}

try
{
    using var counts = new UpsertCounts();
    await using var consensus = new PostgresConsensus(options.ConnectionString);
    var blob = new LocalFileSystemBackend(options.BlobDirectory);
    var shard = await Shard<KeyedValue>.OpenAsync(options.ShardId, consensus, blob);
    var probe = await Shard<KeyedValue>.OpenAsync(options.ShardId, consensus, blob);
    await using var upsert = await UpsertOperator<long, KeyedValue>.OpenAsync(shard, options.WriterId, UpsertSource.KeyOf);
    Say($"opened {Environment.ProcessId} {upsert.StartedFrom} {upsert.OutputFrontier}");

    var source = UpsertSource.Generate(options.Seed, options.Keys, options.Times);
    var sizes = options.StepSizes();
    var pauses = new Queue<long>(options.PauseAt);
    var time = options.Cold ? 0 : upsert.OutputFrontier;
    while (pauses.TryPeek(out var passed) && passed <= time)
    {
        pauses.Dequeue();
    }

    var next = source.Count(input => input.Time < time);
    while (time < options.Times)
    {
        var to = Math.Min(options.Times, time + sizes.Next(1, options.MaxStep + 1));
        if (pauses.TryPeek(out var pause))
        {
            to = Math.Min(to, pause);
        }

        var batch = new List<UpsertInput<long, KeyedValue>>();
        for (; next < source.Count && source[next].Time < to; next++)
        {
            batch.Add(source[next]);
        }

        await upsert.PushAsync(batch);
        var before = (await probe.GetFrontiersAsync()).Upper;
        await upsert.AdvanceInputAsync(to);
        var after = (await probe.GetFrontiersAsync()).Upper;
        Say($"step {time} {to} {upsert.OutputFrontier} {before} {after}");
        time = to;
        if (pauses.TryPeek(out pause) && pause == time)
        {
            pauses.Dequeue();
            Say($"paused {time}");
            if (await Console.In.ReadLineAsync() is null)
            {
                throw new InvalidOperationException($"stdin ended while paused at {time}: the parent is gone");
            }
        }
    }

    // The input has stopped: one more call follows whatever a peer wrote after this replica's last step.
    await upsert.AdvanceInputAsync(options.Times);
    var rows = Enumerable.Range(0, options.Keys)
        .Select(key => upsert.TryGetRow(key, out var row) ? $" {key}={row.Value}" : string.Empty);
    Say("state" + string.Concat(rows));
    Say("counts " + counts.Describe());
    Say($"done {upsert.OutputFrontier} {(await probe.GetFrontiersAsync()).Upper}");
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine(e);
    Say($"error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
    return 3;
}

static void Say(string line)
{
    Console.Out.WriteLine(line);
    Console.Out.Flush();
}
