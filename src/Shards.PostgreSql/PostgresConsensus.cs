using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Bulwark.Shards.PostgreSql;

/// <summary>
/// An <see cref="IConsensus"/> in a PostgreSQL table, <c>consensus(shard text, sequence_number bigint, data bytea,
/// primary key (shard, sequence_number))</c>, created on first use in the connection's first schema if missing.
/// </summary>
/// <remarks>
/// <para>A compare-and-set expecting <c>S</c> is one statement, correct under READ COMMITTED:</para>
/// <code>
/// INSERT INTO consensus (shard, sequence_number, data)
/// SELECT $1, $2, $3 FROM consensus WHERE shard = $1 AND sequence_number = $4 FOR KEY SHARE
/// </code>
/// <para>It inserts <c>S + 1</c> only if row <c>S</c> exists, and the primary key refuses <c>S + 1</c> if a peer wrote
/// it first (a concurrent insert waits for the peer and then fails with a unique violation). Entries are consecutive
/// and truncation keeps the head, so "S exists and S + 1 does not" means "S is the head". FOR KEY SHARE holds row
/// <c>S</c> until the insert commits, so a truncation cannot delete it in between; if one already has, the row is not
/// found and nothing is inserted. A unique violation or no row inserted is a mismatch; the head is then read and
/// reported.</para>
/// <para>A first write (expecting null) inserts row 0 <c>WHERE NOT EXISTS</c> a row of the shard; two racing first
/// writes both insert row 0 and the primary key makes one lose. It runs after a transaction-level advisory lock on the
/// shard, which truncations take too (shared): otherwise a first write whose snapshot predates a peer's first write,
/// later writes and a truncation of row 0 could insert row 0 again, next to the peer's head.</para>
/// <para>Errors: a server ERROR rolls the statement back and becomes a <see cref="ConsensusException"/> (transient
/// when PostgreSQL says so, as for a deadlock); a connection that cannot be opened is a transient
/// <see cref="ConsensusException"/>; a connection lost, a timeout or a session ended (FATAL) after the statement was
/// sent is an <see cref="IndeterminateConsensusException"/>. Npgsql's <c>Command Timeout</c> (30 s by default) and
/// pool <c>Timeout</c> apply: set them in the connection string to what the deployment can tolerate.</para>
/// </remarks>
public sealed class PostgresConsensus : IConsensus, IAsyncDisposable, IDisposable
{
    /// <summary>The first key of the advisory locks taken on a shard ("BWK1"); the second is the shard's hashtext.</summary>
    internal const int AdvisoryLockClass = 0x42574B31;

    private const string CreateTableSql =
        "CREATE TABLE IF NOT EXISTS consensus (shard text NOT NULL, sequence_number bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (shard, sequence_number))";

    private const string HeadSql = "SELECT sequence_number, data FROM consensus WHERE shard = $1 ORDER BY sequence_number DESC LIMIT 1";

    private const string HeadSeqNoSql = "SELECT max(sequence_number) FROM consensus WHERE shard = $1";

    private const string CompareAndSetSql =
        "INSERT INTO consensus (shard, sequence_number, data) SELECT $1, $2, $3 FROM consensus WHERE shard = $1 AND sequence_number = $4 FOR KEY SHARE";

    private static readonly string LockShardSql = $"SELECT pg_advisory_xact_lock({AdvisoryLockClass}, hashtext($1))";

    private static readonly string LockShardSharedSql = $"SELECT pg_advisory_xact_lock_shared({AdvisoryLockClass}, hashtext($1))";

    private const string FirstWriteSql =
        "INSERT INTO consensus (shard, sequence_number, data) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM consensus WHERE shard = $1)";

    private const string ScanSql =
        "SELECT sequence_number, data FROM consensus WHERE shard = $1 AND sequence_number >= $2 ORDER BY sequence_number LIMIT $3";

    private const string TruncateSql =
        "DELETE FROM consensus WHERE shard = $1 AND sequence_number < $2 AND sequence_number < (SELECT max(sequence_number) FROM consensus WHERE shard = $1)";

    private readonly NpgsqlDataSource dataSource;
    private readonly bool ownsDataSource;
    private readonly ILogger logger;
    private readonly PostgresInstruments instruments;
    private readonly SemaphoreSlim tableGate = new(1, 1);
    private volatile bool tableReady;

    /// <param name="connectionString">An Npgsql connection string; the table lives in its first search-path schema.</param>
    /// <param name="logger">Receives commits, mismatches, truncations and unknown outcomes.</param>
    /// <param name="meterFactory">Creates the <see cref="ConsensusMetrics.MeterName"/> meter; without one a process-wide meter is used.</param>
    public PostgresConsensus(string connectionString, ILogger? logger = null, IMeterFactory? meterFactory = null)
        : this(NpgsqlDataSource.Create(connectionString ?? throw new ArgumentNullException(nameof(connectionString))), owns: true, logger, meterFactory)
    {
    }

    /// <param name="dataSource">Connections come from here; the caller keeps ownership and disposes it.</param>
    /// <param name="logger">Receives commits, mismatches, truncations and unknown outcomes.</param>
    /// <param name="meterFactory">Creates the <see cref="ConsensusMetrics.MeterName"/> meter; without one a process-wide meter is used.</param>
    public PostgresConsensus(NpgsqlDataSource dataSource, ILogger? logger = null, IMeterFactory? meterFactory = null)
        : this(dataSource ?? throw new ArgumentNullException(nameof(dataSource)), owns: false, logger, meterFactory)
    {
    }

    private PostgresConsensus(NpgsqlDataSource dataSource, bool owns, ILogger? logger, IMeterFactory? meterFactory)
    {
        this.dataSource = dataSource;
        ownsDataSource = owns;
        this.logger = logger ?? NullLogger.Instance;
        instruments = PostgresInstruments.Create(meterFactory);
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Description = $"PostgreSQL database '{builder.Database}' on '{builder.Host}:{builder.Port}'";
    }

    /// <summary>Names the store in messages and logs (never the password).</summary>
    public string Description { get; }

    public async Task<VersionedData?> HeadAsync(string key, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateKey(key);
        return await RunAsync($"Reading the head of key '{key}'", mutates: false, async connection =>
        {
            await using var command = Command(connection, HeadSql, Text(key));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? new VersionedData(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : null;
        }, ct).ConfigureAwait(false);
    }

    public async Task<CasResult> CompareAndSetAsync(string key, long? expectedSeqNo, VersionedData next, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateCompareAndSet(key, expectedSeqNo, next);
        var what = $"Compare-and-set of key '{key}' at {next.SeqNo}";
        try
        {
            return await RunAsync(what, mutates: true, async connection =>
            {
                var inserted = await InsertAsync(connection, key, expectedSeqNo, next, ct).ConfigureAwait(false);
                if (inserted)
                {
                    instruments.CompareAndSet("committed");
                    PostgresConsensusLog.Committed(logger, key, next.SeqNo, next.Data.Length, Description);
                    return CasResult.Committed(next.SeqNo);
                }

                // Nothing was written, whatever happens now: a failure to read the head is a plain, definite error.
                await using var command = Command(connection, HeadSeqNoSql, Text(key));
                var head = await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long seqNo ? seqNo : (long?)null;
                instruments.CompareAndSet("mismatch");
                PostgresConsensusLog.Mismatch(logger, key, expectedSeqNo, head, Description);
                return CasResult.Mismatch(head);
            }, ct).ConfigureAwait(false);
        }
        catch (IndeterminateConsensusException e)
        {
            instruments.CompareAndSet("indeterminate");
            PostgresConsensusLog.Indeterminate(logger, e, "Compare-and-set", key, Description);
            throw;
        }
    }

    public async IAsyncEnumerable<VersionedData> ScanAsync(string key, long fromSeqNo, int limit, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ConsensusArguments.ValidateScan(key, fromSeqNo, limit);

        // Read whole before anything is yielded: no connection is held while the caller works on an entry, and an
        // error surfaces as one typed exception instead of half a scan.
        var entries = await RunAsync($"Scanning key '{key}' from {fromSeqNo}", mutates: false, async connection =>
        {
            await using var command = Command(connection, ScanSql, Text(key), Int64(fromSeqNo), new NpgsqlParameter<long> { TypedValue = limit, NpgsqlDbType = NpgsqlDbType.Bigint });
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var found = new List<VersionedData>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                found.Add(new VersionedData(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
            }

            return found;
        }, ct).ConfigureAwait(false);

        foreach (var entry in entries)
        {
            ct.ThrowIfCancellationRequested();
            yield return entry;
        }
    }

    public async Task<long> TruncateAsync(string key, long belowSeqNo, CancellationToken ct = default)
    {
        ConsensusArguments.ValidateTruncate(key, belowSeqNo);
        try
        {
            var removed = await RunAsync($"Truncation of key '{key}' below {belowSeqNo}", mutates: true, async connection =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (var lockShard = Command(connection, LockShardSharedSql, Text(key)))
                {
                    await lockShard.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await using var delete = Command(connection, TruncateSql, Text(key), Int64(belowSeqNo));
                long count = await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return count;
            }, ct).ConfigureAwait(false);
            instruments.Truncated(removed);
            PostgresConsensusLog.Truncated(logger, key, removed, belowSeqNo, Description);
            return removed;
        }
        catch (IndeterminateConsensusException e)
        {
            PostgresConsensusLog.Indeterminate(logger, e, "Truncation", key, Description);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (ownsDataSource)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (ownsDataSource)
        {
            dataSource.Dispose();
        }
    }

    /// <returns>True if the row was inserted; false on a unique violation or when the condition selected no row.</returns>
    private static async Task<bool> InsertAsync(NpgsqlConnection connection, string key, long? expectedSeqNo, VersionedData next, CancellationToken ct)
    {
        try
        {
            if (expectedSeqNo is { } expected)
            {
                await using var command = Command(connection, CompareAndSetSql, Text(key), Int64(next.SeqNo), Bytes(next.Data), Int64(expected));
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }

            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (var lockShard = Command(connection, LockShardSql, Text(key)))
            {
                await lockShard.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            int inserted;
            await using (var insert = Command(connection, FirstWriteSql, Text(key), Int64(next.SeqNo), Bytes(next.Data)))
            {
                inserted = await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return inserted == 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>
    /// Opens a connection (a failure there sent nothing: a transient <see cref="ConsensusException"/>), makes sure the
    /// table exists, and runs <paramref name="body"/>, sorting its failures by <see cref="PostgresFailures.AfterSending"/>.
    /// </summary>
    private async Task<T> RunAsync<T>(string what, bool mutates, Func<NpgsqlConnection, Task<T>> body, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        NpgsqlConnection connection;
        try
        {
            connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresFailures.BeforeSending(e, what, ct) is { } failure)
        {
            throw failure;
        }

        await using (connection.ConfigureAwait(false))
        {
            try
            {
                if (!tableReady)
                {
                    await EnsureTableAsync(connection, ct).ConfigureAwait(false);
                }

                // Checked once more: the caller's cancellation before the statement leaves it unsent.
                ct.ThrowIfCancellationRequested();
            }
            catch (Exception e) when (PostgresFailures.AfterSending(e, mutates: false, $"{what} (creating the table)", ct) is { } failure)
            {
                throw failure;
            }

            try
            {
                return await body(connection).ConfigureAwait(false);
            }
            catch (Exception e) when (PostgresFailures.AfterSending(e, mutates, what, ct) is { } failure)
            {
                throw failure;
            }
        }
    }

    private async Task EnsureTableAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await tableGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (tableReady)
            {
                return;
            }

            // CREATE TABLE IF NOT EXISTS is not atomic: two sessions creating it at once can both pass the check, and
            // the loser fails on the catalog's unique index (or as a duplicate). It then exists, so once more succeeds.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await using var command = Command(connection, CreateTableSql);
                    await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    break;
                }
                catch (PostgresException e) when (attempt == 0 && e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateObject)
                {
                }
            }

            tableReady = true;
            PostgresConsensusLog.TableReady(logger, Description);
        }
        finally
        {
            tableGate.Release();
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter<long> Int64(long value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bigint };

    private static NpgsqlParameter<ReadOnlyMemory<byte>> Bytes(ReadOnlyMemory<byte> value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bytea };
}
