using System.Globalization;

namespace Bulwark.Tests.UpsertWorker;

/// <summary>The command line of one replica (see Program.cs for the usage and the lines it prints).</summary>
internal sealed record ReplicaArguments(
    string ConnectionString,
    string BlobDirectory,
    string ShardId,
    string WriterId,
    int Seed,
    int Keys,
    long Times,
    int MaxStep,
    bool Cold,
    IReadOnlyList<long> PauseAt)
{
    public const string Usage =
        "usage: Bulwark.Tests.UpsertWorker replica --pg CONNECTION --blob DIR --shard ID --writer ID --seed N --keys N --times T " +
        "[--max-step N] [--from cold|frontier] [--pause-at t1,t2,...]";

    /// <summary>The parsed arguments, or null (with the reason) when they do not follow <see cref="Usage"/>.</summary>
    public static ReplicaArguments? Parse(string[] args, out string? error)
    {
        error = null;
        if (args.Length == 0 || args[0] != "replica" || args.Length % 2 != 1)
        {
            error = "expected 'replica' and then --name value pairs";
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i += 2)
        {
            if (!values.TryAdd(args[i], args[i + 1]))
            {
                error = $"{args[i]} is given twice";
                return null;
            }
        }

        string Required(string name) => values.Remove(name, out var value) ? value : throw new FormatException($"{name} is missing");
        long Number(string name, long fallback, long min) =>
            values.Remove(name, out var text) ? (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min ? n : throw new FormatException($"{name} '{text}' is not an integer >= {min}")) : fallback;

        try
        {
            var parsed = new ReplicaArguments(
                Required("--pg"),
                Required("--blob"),
                Required("--shard"),
                Required("--writer"),
                (int)Number("--seed", -1, 0),
                (int)Number("--keys", -1, 1),
                Number("--times", -1, 1),
                (int)Number("--max-step", 5, 1),
                (values.Remove("--from", out var from) ? from : "frontier") switch
                {
                    "cold" => true,
                    "frontier" => false,
                    var other => throw new FormatException($"--from '{other}' is neither 'cold' nor 'frontier'"),
                },
                values.Remove("--pause-at", out var pauses)
                    ? pauses.Split(',').Select(p => long.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).Order().ToArray()
                    : []);
            if (parsed.Seed < 0 || parsed.Keys < 1 || parsed.Times < 1)
            {
                throw new FormatException("--seed, --keys and --times are required");
            }

            if (values.Count > 0)
            {
                throw new FormatException($"unknown option {values.Keys.First()}");
            }

            return parsed;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>
    /// The sizes of this replica's input steps, from the seed and its writer id, so replicas step differently but each
    /// the same way in every run (a restarted replica repeats its sizes from wherever it resumes).
    /// </summary>
    public Random StepSizes()
    {
        var hash = 17;
        foreach (var c in WriterId)
        {
            hash = unchecked((hash * 31) + c);
        }

        return new Random(unchecked((Seed * 7919) + hash));
    }
}
