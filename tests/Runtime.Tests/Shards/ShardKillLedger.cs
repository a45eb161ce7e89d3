using System.Globalization;
using Bulwark.Runtime.Tests.Checkpoints;
using Bulwark.Shards;
using Bulwark.Tests.Worker;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>One append of the shard worker: its writer, run and number (its token is a function of the three).</summary>
internal readonly record struct AppendKey(string Writer, int Run, long Append)
{
    public static AppendKey Of(ShardRow row) => new(row.Writer, row.Run, row.Append);

    public override string ToString() => $"{Writer}/{Run}/{Append}";
}

/// <summary>
/// Everything the shard workers printed, across all their runs: which appends they announced (with the interval),
/// which they reported in the shard, the part files their garbage collections deleted, and, per writer, the append a
/// kill left unanswered (the next run of that writer retries it with the same token). Each line is checked as it is
/// read: a committed upper is the announced one, a run's uppers only grow, a deleted part never comes back.
/// </summary>
internal sealed class ShardKillLedger
{
    private readonly Dictionary<WorkerProcess, int> _positions = [];

    public Dictionary<AppendKey, (long Expected, long NewUpper)> Attempts { get; } = [];

    /// <summary>Appends reported Committed or AlreadyCommitted (also by a retry).</summary>
    public HashSet<AppendKey> InShard { get; } = [];

    public HashSet<string> Deleted { get; } = new(StringComparer.Ordinal);

    /// <summary>Per writer, the append without an answer when its process died.</summary>
    public Dictionary<string, AppendKey> Pending { get; } = new(StringComparer.Ordinal);

    public int Committed { get; private set; }

    public int Mismatches { get; private set; }

    public int Retries { get; private set; }

    public int Compactions { get; private set; }

    public int Collections { get; private set; }

    /// <summary>Reads the lines of <paramref name="worker"/> (writer <paramref name="writer"/>, run <paramref name="run"/>) not read yet.</summary>
    public void Absorb(WorkerProcess worker, string writer, int run, string context)
    {
        var lines = worker.Lines;
        _positions.TryGetValue(worker, out var position);
        for (; position < lines.Count; position++)
        {
            var line = lines[position];
            var words = line.Split(' ');
            string Where() => $"{context}\nline '{line}' of {worker.Transcript}";
            switch (words[0])
            {
                case "attempt":
                    var key = new AppendKey(writer, Int(words[1]), Long(words[2]));
                    Assert.True(key.Run == run && Attempts.TryAdd(key, (Long(words[3]), Long(words[4]))), $"{Where()}: an append announced twice or of another run");
                    Pending[writer] = key;
                    break;
                case "committed" or "already" or "mismatch":
                    Answer(new AppendKey(writer, Int(words[1]), Long(words[2])), words[0], Long(words[3]), Where);
                    break;
                case "retried":
                    Retries++;
                    Answer(new AppendKey(writer, Int(words[1]), Long(words[2])), words[3], Long(words[4]), Where);
                    break;
                case "deleted":
                    // Both writers collect garbage, so both may unlink the same part (the second finds it gone).
                    Deleted.Add(words[1]);
                    break;
                case "compacted":
                    Compactions += Int(words[1]) > 0 ? 1 : 0;
                    break;
                case "collected":
                    Collections++;
                    break;
                case "opened" or "stored" or "synced" or "compacting" or "collecting":
                    break;
                default:
                    Assert.Fail($"{Where()}: unexpected line");
                    break;
            }
        }

        _positions[worker] = position;
    }

    private void Answer(AppendKey key, string outcome, long upper, Func<string> where)
    {
        Assert.True(Attempts.TryGetValue(key, out var attempt), $"{where()}: an answer to an append never announced");
        Assert.True(Pending.GetValueOrDefault(key.Writer) == key, $"{where()}: an answer to an append that is not the writer's open one");
        Pending.Remove(key.Writer);
        switch (outcome)
        {
            case "committed":
                Assert.True(upper == attempt.NewUpper, $"{where()}: committed with upper {upper}, announced {attempt.NewUpper}");
                Assert.True(InShard.Add(key), $"{where()}: committed twice");
                Committed++;
                break;
            case "already":
                Assert.True(upper >= attempt.NewUpper, $"{where()}: already committed, yet the upper {upper} is below {attempt.NewUpper}");
                InShard.Add(key);
                break;
            case "mismatch":
                Assert.True(upper != attempt.Expected, $"{where()}: a mismatch at the expected upper");
                Mismatches++;
                break;
            default:
                Assert.Fail($"{where()}: unknown outcome");
                break;
        }
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}
