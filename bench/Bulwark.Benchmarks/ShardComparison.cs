using System.Globalization;

namespace Bulwark.Benchmarks;

/// <summary>
/// The compare-shards mode (bench/compare-shards.sh): (a) compare-and-append over PostgreSQL against plain INSERTs,
/// when a connection string is given; (b) the upsert operator against a Dictionary fold.
/// </summary>
internal static class ShardComparison
{
    public const string Usage = "compare-shards [appends-per-writer] [rounds] [upsert-updates] [directory] [--postgres CONNECTION_STRING] [--keys N] [--times N]";

    public static async Task<int> RunAsync(string[] args)
    {
        var positional = new List<string>();
        string? postgres = null;
        var keys = 100_000;
        var times = 100;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--postgres" when i + 1 < args.Length:
                    postgres = args[++i];
                    break;
                case "--keys" when i + 1 < args.Length:
                    keys = Parse(args[++i]);
                    break;
                case "--times" when i + 1 < args.Length:
                    times = Parse(args[++i]);
                    break;
                default:
                    positional.Add(args[i]);
                    break;
            }
        }

        var appends = positional.Count > 0 ? Parse(positional[0]) : 400;
        var rounds = positional.Count > 1 ? Parse(positional[1]) : 5;
        var updates = positional.Count > 2 ? Parse(positional[2]) : 1_000_000;
        var directory = positional.Count > 3 ? positional[3] : Path.Combine(Path.GetTempPath(), "bulwark-bench-shards");
        if (postgres is null)
        {
            Console.WriteLine("(a) skipped: no --postgres CONNECTION_STRING (bench/compare-shards.sh starts a throwaway server and passes one)");
        }
        else
        {
            await ShardAppendComparison.RunAsync(postgres, appends, rounds, directory);
        }

        Console.WriteLine();
        var same = await UpsertFoldComparison.RunAsync(updates, keys, times, Math.Max(3, rounds), directory);

        // Every trial removed its own parts; the directory itself goes too if nothing else was put there.
        if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }

        return same ? 0 : 1;
    }

    private static int Parse(string text) => int.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
}
