using Bulwark.Shards;
using Bulwark.Shards.PostgreSql;
using Replicas;

// Two replicas of one upsert write the same source into one shard; B falls behind, A pauses, and both end at the shard's
// upper with the shard holding exactly what one writer alone would have written. The exit code says whether they did.
const string Usage = "usage: dotnet run --project samples/Replicas [-- [--postgres CONNECTION_STRING] [--data DIRECTORY]]";
string? postgres = null;
var directory = Path.Combine("bulwark-data", "replicas");
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--postgres" when i + 1 < args.Length:
            postgres = args[++i];
            break;
        case "--data" when i + 1 < args.Length:
            directory = args[++i];
            break;
        case "--help" or "-h":
            Console.WriteLine(Usage);
            return 0;
        default:
            Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'\n{Usage}");
            return 2;
    }
}

IConsensus consensus;
try
{
    consensus = postgres is null ? new InMemoryConsensus() : new PostgresConsensus(postgres);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"--postgres: not a usable connection string: {e.Message}\n{Usage}");
    return 2;
}

try
{
    var where = consensus is PostgresConsensus pg ? pg.Description : "in memory (pass --postgres CONNECTION_STRING for PostgreSQL)";
    var report = await ReplicaRace.RunAsync(new ReplicaSettings { Consensus = consensus, BlobDirectory = directory });
    ReplicaConsole.Print(report, where, directory);
    return report.Problems.Count == 0 ? 0 : 1;
}
catch (ShardException e)
{
    // The store refused or kept failing (a wrong connection string, a server that went away): say so, no stack trace.
    Console.Error.WriteLine($"the shard failed: {e.Message}");
    return 1;
}
finally
{
    (consensus as IDisposable)?.Dispose();
}
