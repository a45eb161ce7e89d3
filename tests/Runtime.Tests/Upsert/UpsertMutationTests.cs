using Bulwark.Checkpoints;
using Bulwark.Runtime.Tests.Shards;
using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Bulwark.Upsert;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Upsert.UpsertTestKit;

namespace Bulwark.Runtime.Tests.Upsert;

/// <summary>
/// Behaviour that mutation testing (bench/mutation) showed no other test pinned down: the exact count each upsert
/// counter reports for a scripted run, and where each refused input or checkpoint says what went wrong.
/// </summary>
public sealed class UpsertMutationTests
{
    [Fact]
    public async Task Every_counter_reports_exactly_what_happened_to_the_inputs_and_appends_of_a_scripted_run()
    {
        using var meters = new TestMeterFactory();
        using var counters = new MeterTotals(meters, UpsertMetrics.MeterName);
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica", new UpsertOptions { MeterFactory = meters });

        // Key 1 at time 0: offset 1 arrives before offset 0, so offset 0 is superseded and "b" is written.
        await upsert.PushAsync([Put(1, "b", 0, 1), Put(1, "a", 0, 0)]);
        await upsert.AdvanceInputAsync(1);
        Assert.Equal(new Edge(1, "b"), upsert.Rows[1]);

        // A peer writes [1, 3) first: this operator's append of [1, 3) loses, it learns the peer's update and drops its
        // own buffered input at time 2.
        await kit.AppendAsync("peer", 1, 3, U(2, "x", 1));
        await upsert.PushAsync([Put(3, "c", 2, 5)]);
        await upsert.AdvanceInputAsync(3);

        // The peer moves on to 6; following it, the operator learns one more update, and an input at time 4 (at or above
        // the input frontier 3, below the upper 6) is dropped as soon as it is pushed.
        await kit.AppendAsync("peer", 3, 6, U(5, "y", 4));
        await upsert.AdvanceInputAsync(3);
        await upsert.PushAsync([Put(4, "d", 4, 6)]);

        Assert.Equal(6, upsert.OutputFrontier);
        Assert.Equal(0, upsert.BufferedInputs);
        Assert.Equal(1, counters[UpsertMetrics.Starts + "/empty"]);
        Assert.Equal(1, counters[UpsertMetrics.Inputs + "/superseded"]);
        Assert.Equal(1, counters[UpsertMetrics.Inputs + "/written"]);
        Assert.Equal(2, counters[UpsertMetrics.Inputs + "/dropped"]);
        Assert.Equal(1, counters[UpsertMetrics.Appends + "/committed"]);
        Assert.Equal(1, counters[UpsertMetrics.Appends + "/upper_mismatch"]);
        Assert.Equal(1, counters[UpsertMetrics.UpdatesWritten]);
        Assert.Equal(2, counters[UpsertMetrics.UpdatesLearned]);
    }

    [Fact]
    public async Task Every_pushed_input_is_counted_once_whichever_order_the_offsets_of_a_key_arrive_in()
    {
        using var meters = new TestMeterFactory();
        using var counters = new MeterTotals(meters, UpsertMetrics.MeterName);
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica", new UpsertOptions { MeterFactory = meters });

        // Key 1: the newer offset arrives second and replaces the buffered one; key 2: the older offset arrives second
        // and is refused. Either way one input of the key is superseded, and pushed = written + superseded.
        await upsert.PushAsync([Put(1, "a", 0, 0), Put(1, "b", 0, 1), Put(2, "d", 0, 3), Put(2, "c", 0, 2)]);
        await upsert.AdvanceInputAsync(1);

        Assert.Equal(new Edge(1, "b"), upsert.Rows[1]);
        Assert.Equal(new Edge(2, "d"), upsert.Rows[2]);
        Assert.Equal(2, counters[UpsertMetrics.Inputs + "/superseded"]);
        Assert.Equal(2, counters[UpsertMetrics.Inputs + "/written"]);
    }

    [Fact]
    public async Task An_input_equal_to_the_keys_row_writes_no_update_but_still_advances_the_upper()
    {
        using var meters = new TestMeterFactory();
        using var counters = new MeterTotals(meters, UpsertMetrics.MeterName);
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica", new UpsertOptions { MeterFactory = meters });

        await upsert.PushAsync([Put(1, "a", 0, 0)]);
        await upsert.AdvanceInputAsync(1);
        await upsert.PushAsync([Put(1, "a", 1, 1)]);
        await upsert.AdvanceInputAsync(2);

        // Retracting and re-inserting the same row would consolidate away in reads, but it is two updates written.
        Assert.Equal(1, counters[UpsertMetrics.UpdatesWritten]);
        Assert.Equal(2, counters[UpsertMetrics.Inputs + "/written"]);
        Assert.Equal(2, counters[UpsertMetrics.Appends + "/committed"]);
        Assert.Equal(2, await kit.UpperAsync());
        ShardTestKit.Same([U(1, "a", 0)], await kit.HistoryAsync());
    }

    [Fact]
    public async Task A_negative_time_is_refused_as_negative_even_when_the_input_frontier_is_zero()
    {
        var kit = new UpsertTestKit();
        await using var upsert = await kit.OpenAsync("replica");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => upsert.PushAsync([Put(7, "a", -3, 11)]));

        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("key 7 at offset 11 has a negative time, -3", e.Message);
        Assert.Equal(0, upsert.BufferedInputs);
    }

    [Fact]
    public async Task An_open_that_fails_gives_back_the_writer_and_reader_leases_it_took()
    {
        var kit = new UpsertTestKit();
        await kit.AppendAsync("other", 0, 1, U(1, "a", 0), U(1, "b", 0));

        await Assert.ThrowsAsync<UpsertStateException>(() => kit.OpenAsync("replica"));

        // A lease left behind would hold the since back (and count against MaxLeases) until it expired.
        var state = await kit.Shards.StateAsync();
        Assert.Empty(state.Leases);
    }

    [Fact]
    public async Task A_disposed_operator_gives_back_its_writer_and_feedback_leases_and_a_second_dispose_changes_nothing()
    {
        var kit = new UpsertTestKit();
        var upsert = await kit.OpenAsync("replica");
        await upsert.PushAsync([Put(1, "a", 0, 1)]);
        await upsert.AdvanceInputAsync(1);
        Assert.Equal(2, (await kit.Shards.StateAsync()).Leases.Count);

        await upsert.DisposeAsync();
        Assert.Empty((await kit.Shards.StateAsync()).Leases);

        await upsert.DisposeAsync();
        Assert.Empty((await kit.Shards.StateAsync()).Leases);
        Assert.Equal(1, (await kit.Shards.StateAsync()).Upper);
    }

    [Fact]
    public async Task The_operator_logs_through_the_given_logger_factory_under_its_documented_category()
    {
        var kit = new UpsertTestKit();
        using var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        await using (await kit.OpenAsync("replica", new UpsertOptions { LoggerFactory = factory }))
        {
        }

        var started = Assert.Single(provider.Collector.GetSnapshot(), r => r.Id.Id == 6001);
        Assert.Equal("Bulwark.Upsert.UpsertOperator", started.Category);
        Assert.Contains("Upsert 'replica' on shard", started.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_from_a_checkpoint_counts_as_such_and_counts_the_updates_peers_wrote_after_it()
    {
        var kit = new UpsertTestKit();
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        await using (var first = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer }))
        {
            await first.PushAsync([Put(1, "a", 0, 0)]);
            await first.AdvanceInputAsync(1);
            await first.CheckpointAsync();
        }

        await kit.AppendAsync("peer", 1, 2, U(2, "x", 1), U(3, "y", 1));
        using var meters = new TestMeterFactory();
        using var counters = new MeterTotals(meters, UpsertMetrics.MeterName);
        await using var restarted = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer, MeterFactory = meters });

        Assert.Equal(UpsertStart.Checkpoint, restarted.StartedFrom);
        Assert.Equal(1, counters[UpsertMetrics.Starts + "/checkpoint"]);
        Assert.Equal(2, counters[UpsertMetrics.UpdatesLearned]);
        Assert.Equal(3, restarted.KeyCount);

        // Without a checkpointer the same shard is rehydrated from a snapshot, and counted as that.
        await using var rehydrated = await kit.OpenAsync("other", new UpsertOptions { MeterFactory = meters });
        Assert.Equal(UpsertStart.Snapshot, rehydrated.StartedFrom);
        Assert.Equal(1, counters[UpsertMetrics.Starts + "/snapshot"]);
        Assert.Equal(restarted.Rows, rehydrated.Rows);
    }

    [Fact]
    public async Task Saving_the_state_refuses_a_null_draft_and_a_disposed_operator_and_leaves_the_operator_usable()
    {
        var kit = new UpsertTestKit();
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        var upsert = await kit.OpenAsync("replica");
        await upsert.PushAsync([Put(1, "a", 0, 0)]);
        await upsert.AdvanceInputAsync(1);

        var e = await Assert.ThrowsAsync<ArgumentNullException>(() => upsert.SaveStateAsync(null!));
        Assert.Equal("draft", e.ParamName);

        // The save must give the operator back: the calls after it go through.
        await upsert.SaveStateAsync(checkpointer.CreateDraft());
        await upsert.PushAsync([Put(2, "b", 1, 1)]);
        await upsert.AdvanceInputAsync(2);
        Assert.Equal(2, upsert.KeyCount);

        await upsert.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => upsert.SaveStateAsync(checkpointer.CreateDraft()));
    }

    [Fact]
    public async Task A_checkpoint_of_more_keys_than_one_batch_holds_restores_every_row()
    {
        // One key more than a batch of the checkpoint's Arrow stream holds (65,536 rows).
        const int keys = 65_537;
        var kit = new UpsertTestKit();
        await using var checkpointer = await Checkpointer.OpenAsync(new InMemoryBackend());
        IReadOnlyDictionary<long, Edge> before;
        await using (var first = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer }))
        {
            await first.PushAsync(Enumerable.Range(0, keys).Select(i => Put(i, $"d{i}", 0, i)).ToArray());
            await first.AdvanceInputAsync(1);
            await first.CheckpointAsync();
            before = first.Rows.ToDictionary();
        }

        // Written in bounded batches, so that a restore never needs one array for every key.
        var stored = await checkpointer.RestoreAsync(checkpointer.Latest!.Id);
        Assert.True(stored.TryGetState<UpsertCheckpoint>(new UpsertOptions().OperatorId, out var saved));
        using (var reader = new Apache.Arrow.Ipc.ArrowStreamReader(new MemoryStream(saved.Rows)))
        {
            var lengths = new List<int>();
            while (await reader.ReadNextRecordBatchAsync() is { } batch)
            {
                using (batch)
                {
                    lengths.Add(batch.Length);
                }
            }

            Assert.Equal([65_536, 1], lengths);
        }

        await using var restarted = await kit.OpenAsync("replica", new UpsertOptions { Checkpointer = checkpointer });
        Assert.Equal(UpsertStart.Checkpoint, restarted.StartedFrom);
        Assert.Equal(keys, restarted.KeyCount);
        Assert.Equal(before.OrderBy(r => r.Key), restarted.Rows.OrderBy(r => r.Key));
    }
}
