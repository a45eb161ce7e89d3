using Bulwark.Runtime.Tests.Shards;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Upsert;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// Upsert operators over the shard test kit (in-memory consensus and blob storage, a fake clock nothing advances
/// unless a test does). Rows are <see cref="Edge"/>s keyed by <see cref="Edge.Src"/>: an input sets a source's edge.
/// </summary>
internal sealed class UpsertTestKit
{
    public UpsertTestKit(double failRate = 0, double indeterminateRate = 0, int seed = 1, int maxAttempts = 50)
    {
        Shards = new ShardTestKit(failRate, indeterminateRate, seed);
        MaxAttempts = maxAttempts;
    }

    public ShardTestKit Shards { get; }

    public int MaxAttempts { get; }

    public static long KeyOf(Edge edge) => edge.Src;

    public static UpsertInput<long, Edge> Put(long key, string dst, long time, long offset) => new(key, new Edge(key, dst), time, offset);

    public static UpsertInput<long, Edge> Delete(long key, long time, long offset) => new(key, null, time, offset);

    public static Update<Edge> U(long key, string dst, long time, long diff = 1) => new(new Edge(key, dst), time, diff);

    /// <summary>A new handle on the shard, as another process would open it.</summary>
    public Task<Shard<Edge>> ShardAsync() => Shards.OpenAsync(maxAttempts: MaxAttempts);

    public async Task<UpsertOperator<long, Edge>> OpenAsync(string writerId, UpsertOptions? options = null) =>
        await UpsertOperator<long, Edge>.OpenAsync(await ShardAsync(), writerId, KeyOf, options ?? new UpsertOptions());

    public static UpsertOptions TwoWay(UpsertOptions? options = null) => new()
    {
        OperatorId = options?.OperatorId ?? "upsert",
        Checkpointer = options?.Checkpointer,
        RestoreFrom = options?.RestoreFrom,
        MeterFactory = options?.MeterFactory,
        Deviations = UpsertDeviation.TwoWayClassification,
    };

    /// <summary>A peer that is not an upsert operator: a raw writer, to move the upper or write updates directly.</summary>
    public async Task AppendAsync(string writerId, long expectedUpper, long newUpper, params Update<Edge>[] updates)
    {
        await using var writer = await (await ShardAsync()).OpenWriterAsync(writerId);
        var result = await writer.CompareAndAppendAsync(updates, expectedUpper, newUpper, Guid.NewGuid());
        if (!result.IsCommitted)
        {
            throw new InvalidOperationException($"the test's own append of [{expectedUpper}, {newUpper}) was not committed: {result}");
        }
    }

    public async Task<long> UpperAsync() => (await (await ShardAsync()).GetFrontiersAsync()).Upper;

    /// <summary>Every update in the shard below its upper, consolidated per row and time (the since stays 0 in these tests).</summary>
    public async Task<IReadOnlyList<Update<Edge>>> HistoryAsync()
    {
        var shard = await ShardAsync();
        var upper = (await shard.GetFrontiersAsync()).Upper;
        return upper == 0 ? [] : await shard.SnapshotAsync(upper - 1);
    }
}
