using System.CommandLine;
using Bulwark.Shards;
using Bulwark.Shards.PostgreSql;

namespace Bulwark.Cli;

/// <summary>
/// The consensus store a shard command reads, from `--consensus DIR` (a <see cref="FileConsensus"/> directory, opened
/// read-only) or `--postgres CONNECTION_STRING` (<see cref="PostgresConsensus"/>). The commands only read; the
/// shard code below them sees an <see cref="IConsensus"/> and nothing else.
/// </summary>
internal sealed class ConsensusSource : IAsyncDisposable
{
    private ConsensusSource(IConsensus consensus, string description, IReadOnlyList<string>? shards)
    {
        Consensus = consensus;
        Description = description;
        Shards = shards;
    }

    public IConsensus Consensus { get; }

    /// <summary>Any consensus, for callers that already hold one; the commands only use <see cref="IConsensus"/>.</summary>
    internal static ConsensusSource Of(IConsensus consensus, string description, IReadOnlyList<string>? shards) => new(consensus, description, shards);

    public string Description { get; }

    /// <summary>The shards the store holds, when it can list them (a directory can; PostgreSQL through IConsensus cannot).</summary>
    public IReadOnlyList<string>? Shards { get; }

    public static Option<string> DirectoryOption(string purpose) => new("--consensus")
    {
        Description = $"The FileConsensus directory holding {purpose} (read without changing anything).",
        HelpName = "DIR",
    };

    public static Option<string> PostgresOption(string purpose) => new("--postgres")
    {
        Description = $"The Npgsql connection string of the PostgresConsensus database holding {purpose} (its consensus table is created if missing; nothing else is written).",
        HelpName = "CONNECTION_STRING",
    };

    /// <summary>Opens the store the options name.</summary>
    /// <returns>The source, or null and the exit code after the reason was written to <paramref name="error"/>.</returns>
    public static async Task<(ConsensusSource? Source, int FailureCode)> OpenAsync(string? directory, string? connectionString, TextWriter error)
    {
        if ((directory is null) == (connectionString is null))
        {
            await error.WriteLineAsync("error: name the consensus store with exactly one of --consensus DIR (a FileConsensus directory) and --postgres CONNECTION_STRING");
            return (null, BulwarkCommand.UsageError);
        }

        return directory is not null ? await OpenDirectoryAsync(directory, error) : await OpenPostgresAsync(connectionString!, error);
    }

    public async ValueTask DisposeAsync()
    {
        if (Consensus is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private static async Task<(ConsensusSource?, int)> OpenDirectoryAsync(string directory, TextWriter error)
    {
        if (!Directory.Exists(directory))
        {
            await error.WriteLineAsync("error: " + StoreDetection.NotADirectory(directory));
            return (null, BulwarkCommand.UsageError);
        }

        IReadOnlyList<string> shards;
        FileConsensus consensus;
        try
        {
            consensus = FileConsensus.OpenReadOnly(directory);
            shards = StoreDetection.ShardsInConsensus(directory);
        }
        catch (Exception e) when (e is ConsensusException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: the consensus directory could not be read: " + e.Message.ReplaceLineEndings(" "));
            return (null, BulwarkCommand.ProblemsFound);
        }

        return (new ConsensusSource(consensus, consensus.Description, shards), BulwarkCommand.Healthy);
    }

    private static async Task<(ConsensusSource?, int)> OpenPostgresAsync(string connectionString, TextWriter error)
    {
        try
        {
            var consensus = new PostgresConsensus(connectionString);
            return (new ConsensusSource(consensus, consensus.Description, shards: null), BulwarkCommand.Healthy);
        }
        catch (ArgumentException e)
        {
            // Npgsql refuses a malformed connection string with the keyword it did not understand.
            await error.WriteLineAsync("error: --postgres: " + e.Message.ReplaceLineEndings(" "));
            return (null, BulwarkCommand.UsageError);
        }
    }
}
