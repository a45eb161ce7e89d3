using System.CommandLine;
using Bulwark.Shards;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark verify PATH`: finds out what PATH is (see <see cref="StoreDetection"/>) and verifies it as that; a
/// directory that is none of them is a usage error that says what was looked for.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext cli)
    {
        var path = new Argument<string>("PATH")
        {
            Description = "A checkpoint store, an ingest dataset, a shard consensus directory (FileConsensus) or a shard blob directory.",
        };
        var blob = new Option<string>("--blob")
        {
            Description = "With a shard consensus directory: the blob directory of its shards' parts (default: PATH itself if it holds shards/; without one only the states are verified).",
            HelpName = "DIR",
        };
        var consensus = ConsensusSource.DirectoryOption("the states of the shards in a blob directory PATH");
        var postgres = ConsensusSource.PostgresOption("the states of the shards in a blob directory PATH");
        var verify = new Command(
            "verify",
            "Detect what PATH is (checkpoint store, ingest dataset, shard consensus or blob directory) and verify every file it holds against what its records say; "
            + "one line per problem; orphans are reported, not counted. A progress bar is drawn on stderr for stores of 64 MiB or more when it is a terminal. Exit 2 if PATH is none of these.")
        {
            path,
            blob,
            consensus,
            postgres,
        };

        verify.SetAction(async (result, token) => cli.ExitCode = await RunAsync(
            result.GetValue(path)!, result.GetValue(blob), result.GetValue(consensus), result.GetValue(postgres), cli, token));
        return verify;
    }

    private static async Task<int> RunAsync(string path, string? blobDirectory, string? consensusDirectory, string? connectionString, CliContext cli, CancellationToken ct)
    {
        if (await BulwarkCommand.OpenAsync(path, cli.Error) is not { } backend)
        {
            return BulwarkCommand.UsageError;
        }

        StoreKind kind;
        try
        {
            kind = StoreDetection.Detect(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await cli.Error.WriteLineAsync($"error: '{path}' could not be read: {e.Message.ReplaceLineEndings(" ")}");
            return BulwarkCommand.ProblemsFound;
        }

        var shardOptions = blobDirectory is not null || consensusDirectory is not null || connectionString is not null;
        switch (kind)
        {
            case StoreKind.CheckpointStore or StoreKind.IngestDataset when shardOptions:
                await cli.Error.WriteLineAsync($"error: --blob, --consensus and --postgres apply to shards only, and '{path}' is {(kind == StoreKind.CheckpointStore ? "a checkpoint store" : "an ingest dataset")}");
                return BulwarkCommand.UsageError;
            case StoreKind.CheckpointStore:
                return await VerifyProgress.RunAsync(cli, path, backend, b => CheckpointsCommand.VerifyAsync(b, path, cli.Output, cli.Error, ct));
            case StoreKind.IngestDataset:
                return await VerifyProgress.RunAsync(cli, path, backend, b => IngestCommand.VerifyAsync(b, path, cli.Output, cli.Error, ct));
            case StoreKind.ShardConsensus:
                return await VerifyConsensusAsync(path, blobDirectory, consensusDirectory ?? connectionString, cli, ct);
            case StoreKind.ShardBlob:
                return await VerifyBlobAsync(path, backend, blobDirectory, consensusDirectory, connectionString, cli, ct);
            default:
                await cli.Error.WriteLineAsync($"error: '{path}' is not a store bulwark knows; it looked for {StoreDetection.LookedFor}"
                    + StoreDetection.DidYouMean(path, StoreDetection.IsAnyStore));
                return BulwarkCommand.UsageError;
        }
    }

    private static async Task<int> VerifyConsensusAsync(string path, string? blobDirectory, string? otherConsensus, CliContext cli, CancellationToken ct)
    {
        if (otherConsensus is not null)
        {
            await cli.Error.WriteLineAsync($"error: '{path}' is a shard consensus directory itself; --consensus and --postgres name the consensus of a blob directory");
            return BulwarkCommand.UsageError;
        }

        IStorageBackend? blob = null;
        if (blobDirectory is not null)
        {
            if (await BulwarkCommand.OpenAsync(blobDirectory, cli.Error) is not { } given)
            {
                return BulwarkCommand.UsageError;
            }

            blob = given;
        }
        else if (StoreDetection.ShardsInBlob(path).Count > 0)
        {
            // FileConsensus names its key directories in hex, so they never collide with a blob directory's shards/.
            blob = new LocalFileSystemBackend(Path.GetFullPath(path));
        }

        IReadOnlyList<string> shards;
        FileConsensus consensus;
        try
        {
            consensus = FileConsensus.OpenReadOnly(path);
            shards = StoreDetection.ShardsInConsensus(path);
        }
        catch (Exception e) when (e is ConsensusException or IOException or UnauthorizedAccessException)
        {
            await cli.Error.WriteLineAsync("error: the consensus directory could not be read: " + e.Message.ReplaceLineEndings(" "));
            return BulwarkCommand.ProblemsFound;
        }

        return blob is null
            ? await ShardCommand.VerifyAsync(shards, consensus, null, path, cli, ct)
            : await VerifyProgress.RunAsync(cli, blobDirectory ?? path, blob, b => ShardCommand.VerifyAsync(shards, consensus, b, path, cli, ct));
    }

    private static async Task<int> VerifyBlobAsync(string path, IStorageBackend blob, string? blobDirectory, string? consensusDirectory, string? connectionString, CliContext cli, CancellationToken ct)
    {
        if (blobDirectory is not null)
        {
            await cli.Error.WriteLineAsync($"error: '{path}' is a shard blob directory itself; --blob names the blob directory of a consensus directory");
            return BulwarkCommand.UsageError;
        }

        if (consensusDirectory is null && connectionString is null)
        {
            await cli.Error.WriteLineAsync($"error: '{path}' is a shard blob directory (shards/SHARD_ID/parts/); its parts can only be verified against the shards' states: name their consensus with --consensus DIR or --postgres CONNECTION_STRING");
            return BulwarkCommand.UsageError;
        }

        var (source, failureCode) = await ConsensusSource.OpenAsync(consensusDirectory, connectionString, cli.Error);
        if (source is null)
        {
            return failureCode;
        }

        await using (source)
        {
            var shards = StoreDetection.ShardsInBlob(path);
            return await VerifyProgress.RunAsync(cli, path, blob, b => ShardCommand.VerifyAsync(shards, source.Consensus, b, path, cli, ct));
        }
    }
}
