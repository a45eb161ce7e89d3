using System.Text;
using Bulwark.Runtime.Tests.Shards;
using Npgsql;
using Xunit;

namespace Bulwark.Shards.PostgreSql.Tests;

/// <summary>What only a real server shows: the table, racing creators, and failures before and after a statement is sent.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresConsensusTests(PostgresServer server)
{
    [ConsensusFact]
    public async Task RacingInstancesCreateTheTableOnceWithTheDocumentedShape()
    {
        var connectionString = await server.CreateSchemaAsync();
        var instances = Enumerable.Range(0, 8).Select(_ => new PostgresConsensus(connectionString)).ToArray();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var racers = instances.Select(c => Task.Run(async () =>
            {
                await start.Task;
                return await c.HeadAsync("k");
            })).ToArray();
            start.SetResult();
            Assert.All(await Task.WhenAll(racers), Assert.Null);
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var columns = new NpgsqlCommand(
            "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'consensus'",
            connection);
        Assert.Equal("shard text, sequence_number bigint, data bytea", await columns.ExecuteScalarAsync());
        await using var key = new NpgsqlCommand(
            "SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) " +
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = 'consensus'::regclass AND i.indisprimary",
            connection);
        Assert.Equal("shard, sequence_number", await key.ExecuteScalarAsync());
    }

    [ConsensusFact]
    public async Task InstancesOverOneDatabaseShareTheLogAndAGivenDataSourceStaysTheCallers()
    {
        var connectionString = await server.CreateSchemaAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var viaDataSource = new PostgresConsensus(dataSource))
        {
            Assert.Equal(CasResult.Committed(0), await viaDataSource.CompareAndSetAsync("shared", null, Entry(0, "zero")));
        }

        await using var viaString = new PostgresConsensus(connectionString);
        Assert.Equal(CasResult.Mismatch(0), await viaString.CompareAndSetAsync("shared", null, Entry(0, "again")));
        Assert.Equal(CasResult.Committed(1), await viaString.CompareAndSetAsync("shared", 0, Entry(1, "one")));

        // Still usable after the consensus built on it was disposed.
        await using var otherOnSameSource = new PostgresConsensus(dataSource);
        Assert.Equal(Entry(1, "one"), await otherOnSameSource.HeadAsync("shared"));
    }

    [ConsensusFact]
    public async Task ASessionEndedWhileACompareAndSetWaitsIsIndeterminateAndARetryFindsTheTruth()
    {
        var connectionString = await server.CreateSchemaAsync();
        await using var consensus = new PostgresConsensus(connectionString);
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));

        await using (var blocker = await BlockRowAsync(connectionString, "k", 0))
        {
            var compareAndSet = consensus.CompareAndSetAsync("k", 0, Entry(1, "one"));
            var pid = await WaitingBackendAsync(connectionString, compareAndSet);
            await using var admin = new NpgsqlConnection(connectionString);
            await admin.OpenAsync();
            await using var terminate = new NpgsqlCommand($"SELECT pg_terminate_backend({pid})", admin);
            await terminate.ExecuteScalarAsync();

            await Assert.ThrowsAsync<IndeterminateConsensusException>(() => compareAndSet);
        }

        // The caller learns the outcome by reading: here the statement never committed, so the retry commits.
        Assert.Equal(Entry(0, "zero"), await consensus.HeadAsync("k"));
        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1, "one")));
    }

    [ConsensusFact]
    public async Task ACompareAndSetCancelledWhileItWaitsTakesNoEffect()
    {
        var connectionString = await server.CreateSchemaAsync();
        await using var consensus = new PostgresConsensus(connectionString);
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));

        await using (var blocker = await BlockRowAsync(connectionString, "k", 0))
        {
            using var cancellation = new CancellationTokenSource();
            var compareAndSet = consensus.CompareAndSetAsync("k", 0, Entry(1, "one"), cancellation.Token);
            await WaitingBackendAsync(connectionString, compareAndSet);
            await cancellation.CancelAsync();

            // The server cancelled the statement, so nothing happened: the caller's own exception, not an unknown outcome.
            var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => compareAndSet);
            Assert.IsNotType<IndeterminateConsensusException>(cancelled);
        }

        Assert.Equal(Entry(0, "zero"), await consensus.HeadAsync("k"));
    }

    [ConsensusFact]
    public async Task AnExpectedRowTruncatedWhileTheCompareAndSetWaitsForItIsAMismatchNotAResurrection()
    {
        var connectionString = await server.CreateSchemaAsync();
        await using var consensus = new PostgresConsensus(connectionString);
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));

        // The compare-and-set's snapshot sees row 0 as the head and it waits for row 0's lock. Meanwhile a peer writes
        // 1 and 2 and truncates 0 and 1. Inserting 1 again would put a stale entry below the head; FOR KEY SHARE finds
        // row 0 deleted instead, so nothing is inserted.
        await using (var peer = await BlockRowAsync(connectionString, "k", 0))
        {
            var compareAndSet = consensus.CompareAndSetAsync("k", 0, Entry(1, "stale"));
            await WaitingBackendAsync(connectionString, compareAndSet, "INSERT INTO consensus%");
            await ExecuteAsync(peer, "INSERT INTO consensus VALUES ('k', 1, 'one'::bytea), ('k', 2, 'two'::bytea)");
            await ExecuteAsync(peer, "DELETE FROM consensus WHERE shard = 'k' AND sequence_number < 2");
            await ExecuteAsync(peer, "COMMIT");

            Assert.Equal(CasResult.Mismatch(2), await compareAndSet);
        }

        Assert.Equal([2L], await consensus.ScanAsync("k", 0, 10).Select(e => e.SeqNo).ToListAsync());
    }

    [ConsensusFact]
    public async Task AFirstWriteWaitingOnATruncationSeesTheKeyItTruncated()
    {
        var connectionString = await server.CreateSchemaAsync();
        await using var consensus = new PostgresConsensus(connectionString);
        Assert.Null(await consensus.HeadAsync("k"));

        // The peer holds the shard's advisory lock as a truncation does, writes 0..2 and truncates 0 and 1. A first
        // write that had looked before the peer's writes and inserted after its truncation would re-create row 0
        // next to head 2; it waits for the lock instead and then sees the key is not empty.
        await using (var peer = new NpgsqlConnection(connectionString))
        {
            await peer.OpenAsync();
            await ExecuteAsync(peer, "BEGIN");
            await ExecuteAsync(peer, $"SELECT pg_advisory_xact_lock_shared({PostgresConsensus.AdvisoryLockClass}, hashtext('k'))");
            var firstWrite = consensus.CompareAndSetAsync("k", null, Entry(0, "late first"));
            await WaitingBackendAsync(connectionString, firstWrite, "SELECT pg_advisory_xact_lock(%");
            await ExecuteAsync(peer, "INSERT INTO consensus VALUES ('k', 0, 'zero'::bytea), ('k', 1, 'one'::bytea), ('k', 2, 'two'::bytea)");
            await ExecuteAsync(peer, "DELETE FROM consensus WHERE shard = 'k' AND sequence_number < 2");
            await ExecuteAsync(peer, "COMMIT");

            Assert.Equal(CasResult.Mismatch(2), await firstWrite);
        }

        Assert.Equal([2L], await consensus.ScanAsync("k", 0, 10).Select(e => e.SeqNo).ToListAsync());
    }

    [Fact]
    public async Task AServerThatCannotBeReachedIsADefiniteTransientFailure()
    {
        // Nothing listens on a port just released, so nothing can have been sent.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var consensus = new PostgresConsensus($"Host=127.0.0.1;Port={port};Username=nobody;Pooling=false");

        var failure = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        Assert.IsNotType<IndeterminateConsensusException>(failure);
        Assert.True(failure.IsTransient);
        Assert.DoesNotContain("Password", consensus.Description, StringComparison.OrdinalIgnoreCase);
    }

    private static VersionedData Entry(long seqNo, string text) => new(seqNo, Encoding.UTF8.GetBytes(text));

    /// <summary>A transaction holding row (key, seqNo) FOR UPDATE, which a compare-and-set's FOR KEY SHARE must wait for.</summary>
    private static async Task<NpgsqlConnection> BlockRowAsync(string connectionString, string key, long seqNo)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var begin = new NpgsqlCommand("BEGIN", connection);
        await begin.ExecuteNonQueryAsync();
        await using var lockRow = new NpgsqlCommand($"SELECT 1 FROM consensus WHERE shard = '{key}' AND sequence_number = {seqNo} FOR UPDATE", connection);
        Assert.Equal(1, await lockRow.ExecuteScalarAsync());
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The backend of the compare-and-set once it waits for a lock; polled, with no deadline but the call's end.</summary>
    private static async Task<int> WaitingBackendAsync(string connectionString, Task<CasResult> compareAndSet, string statement = "INSERT INTO consensus%")
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var find = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1 LIMIT 1",
            connection);
        find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement });
        while (true)
        {
            Assert.False(compareAndSet.IsCompleted, "the compare-and-set finished instead of waiting for the locked row");
            if (await find.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(10);
        }
    }
}
