using System.CommandLine;
using Bulwark.Shards;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>`bulwark shard inspect`, and the shard half of `bulwark verify`.</summary>
internal static class ShardCommand
{
    public static Command Create(CliContext cli)
    {
        var shardId = new Argument<string?>("SHARD_ID")
        {
            Description = "The shard to inspect; without it, every shard the --consensus directory holds.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var consensus = ConsensusSource.DirectoryOption("the shards' states");
        var postgres = ConsensusSource.PostgresOption("the shards' states");
        var blob = new Option<string>("--blob")
        {
            Description = "The blob directory holding the shards' parts (the root of the LocalFileSystemBackend the shard was opened with; parts are under shards/SHARD_ID/parts/).",
            HelpName = "DIR",
            Required = true,
        };
        var inspect = new Command(
            "inspect",
            "Show a shard's state (seqno, upper, since, parts with rows and bytes, writers, leases with expiry) and its orphans (files under shards/SHARD_ID/ no state references: "
            + "normal, garbage collection deletes them). Exit 1 if a state cannot be read or a part the head references is missing or has another size.")
        {
            shardId,
            consensus,
            postgres,
            blob,
        };

        inspect.SetAction(async (result, token) => cli.ExitCode = await InspectAsync(
            result.GetValue(shardId), result.GetValue(consensus), result.GetValue(postgres), result.GetValue(blob)!, cli, token));
        return new Command("shard", "Commands for shards (Shard<T> over FileConsensus or PostgresConsensus and a blob directory).") { inspect };
    }

    /// <summary>Every state still in consensus decodes; every part a lease may still read is present with its recorded size and CRC32C and a Parquet footer counting its rows.</summary>
    public static async Task<int> VerifyAsync(IReadOnlyList<string> shards, IConsensus consensus, IStorageBackend? blob, string path, CliContext cli, CancellationToken ct)
    {
        var nowMs = cli.Time.GetUtcNow().ToUnixTimeMilliseconds();
        int problems = 0, entries = 0, parts = 0;
        foreach (var shard in shards)
        {
            ShardSurvey? survey;
            try
            {
                survey = await ShardSurvey.RunAsync(shard, consensus, blob, verifyParts: true, nowMs, ct);
            }
            catch (Exception e) when (e is ConsensusException or IOException or UnauthorizedAccessException)
            {
                await cli.Error.WriteLineAsync($"error: shard {shard} could not be read: {e.Message.ReplaceLineEndings(" ")}");
                return BulwarkCommand.ProblemsFound;
            }

            if (survey is null)
            {
                problems++;
                await cli.Output.WriteLineAsync($"problem: shard {shard}: it has parts in the blob directory but no state in consensus (key {ShardNames.ConsensusKey(shard)} has no entry)");
                continue;
            }

            await WriteFindingsAsync(survey, cli.Output);
            problems += survey.Problems.Count;
            entries += survey.Entries.Count;
            parts += survey.PartsChecked;
        }

        var unchecked_ = blob is null ? "; parts not checked (pass --blob DIR)" : "";
        await cli.Output.WriteLineAsync(problems == 0
            ? $"healthy: {shards.Count} shard(s), {entries} consensus entries, {parts} part(s) verified{unchecked_}"
            : $"{problems} problem(s) found in {path}");
        return problems == 0 ? BulwarkCommand.Healthy : BulwarkCommand.ProblemsFound;
    }

    private static async Task<int> InspectAsync(string? shardId, string? directory, string? connectionString, string blobDirectory, CliContext cli, CancellationToken ct)
    {
        if (shardId is not null && await ValidateAsync(shardId, cli.Error) is false)
        {
            return BulwarkCommand.UsageError;
        }

        if (await BulwarkCommand.OpenAsync(blobDirectory, cli.Error) is not { } blob)
        {
            return BulwarkCommand.UsageError;
        }

        var (source, failureCode) = await ConsensusSource.OpenAsync(directory, connectionString, cli.Error);
        if (source is null)
        {
            return failureCode;
        }

        await using (source)
        {
            return await InspectAsync(shardId, source, blob, cli, ct);
        }
    }

    /// <summary>Inspects <paramref name="shardId"/>, or every shard <paramref name="source"/> lists, through whatever consensus the source holds.</summary>
    internal static async Task<int> InspectAsync(string? shardId, ConsensusSource source, IStorageBackend blob, CliContext cli, CancellationToken ct)
    {
        var shards = shardId is not null ? [shardId] : source.Shards;
        if (shards is null)
        {
            await cli.Error.WriteLineAsync("error: name the shard (SHARD_ID): a PostgreSQL consensus cannot list the shards it holds");
            return BulwarkCommand.UsageError;
        }

        if (shards.Count == 0)
        {
            await cli.Error.WriteLineAsync($"error: {source.Description} holds no shard: it has no key directory of a shard state");
            return BulwarkCommand.UsageError;
        }

        var nowMs = cli.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var code = BulwarkCommand.Healthy;
        foreach (var shard in shards)
        {
            if (shards.Count > 1 && shard != shards[0])
            {
                await cli.Output.WriteLineAsync();
            }

            ShardSurvey? survey;
            try
            {
                survey = await ShardSurvey.RunAsync(shard, source.Consensus, blob, verifyParts: false, nowMs, ct);
            }
            catch (Exception e) when (e is ConsensusException or IOException or UnauthorizedAccessException)
            {
                await cli.Error.WriteLineAsync($"error: shard {shard} could not be read: {e.Message.ReplaceLineEndings(" ")}");
                return BulwarkCommand.ProblemsFound;
            }

            if (survey is null)
            {
                await cli.Error.WriteLineAsync($"error: shard '{shard}' does not exist in {source.Description}: its key {ShardNames.ConsensusKey(shard)} has no entry");
                return BulwarkCommand.UsageError;
            }

            await ShardReport.WriteAsync(survey, source.Description, blob.Description, nowMs, cli.Output);
            await WriteFindingsAsync(survey, cli.Output);
            await cli.Output.WriteLineAsync(survey.Problems.Count == 0 ? "healthy" : $"{survey.Problems.Count} problem(s) found in shard {shard}");
            code = Math.Max(code, survey.Problems.Count == 0 ? BulwarkCommand.Healthy : BulwarkCommand.ProblemsFound);
        }

        return code;
    }

    private static async Task<bool> ValidateAsync(string shardId, TextWriter error)
    {
        try
        {
            ShardNames.ValidateShardId(shardId);
            return true;
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"error: {e.Message.Replace(" (Parameter 'shardId')", "", StringComparison.Ordinal)}");
            return false;
        }
    }

    private static async Task WriteFindingsAsync(ShardSurvey survey, TextWriter output)
    {
        foreach (var orphan in survey.Orphans)
        {
            await output.WriteLineAsync($"orphan: {orphan.Path}: {orphan.Reason}");
        }

        foreach (var problem in survey.Problems)
        {
            await output.WriteLineAsync($"problem: {problem.Path}: {problem.Reason}");
        }

        foreach (var note in survey.Notes)
        {
            await output.WriteLineAsync("note: " + note);
        }
    }
}
