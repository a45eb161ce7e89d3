using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// The idempotency matrix of compare-and-append: every way an answer can be lost, and what the retry must report.
/// Each fault is injected at the append's own compare-and-set (the first one writing past the current head).
/// </summary>
public sealed class ShardIdempotencyTests
{
    [Fact]
    public async Task Indeterminate_and_not_committed_then_the_internal_retry_commits()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateWithoutEffect);

        var result = await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid());

        Assert.Equal(AppendResult.Committed(1), result);
        Same(Batch("a", 0), await shard.SnapshotAsync(0));
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Fact]
    public async Task Indeterminate_and_not_committed_then_the_callers_retry_with_the_same_token_commits()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync(maxAttempts: 1);
        await using var writer = await shard.OpenWriterAsync("w");
        var token = Guid.NewGuid();
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateWithoutEffect);

        var lost = await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, token));
        Assert.True(lost.OutcomeUnknown);

        Assert.Equal(AppendResult.Committed(1), await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, token));
        Same(Batch("a", 0), await shard.SnapshotAsync(0));
    }

    [Fact]
    public async Task Indeterminate_and_committed_then_the_internal_retry_reports_AlreadyCommitted_and_one_copy()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect);

        var result = await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid());

        Assert.Equal(AppendResult.AlreadyCommitted(1), result);
        Same(Batch("a", 0), await shard.SnapshotAsync(0));
        var parts = await kit.PartFilesAsync();
        Assert.Single(parts);
        Assert.Equal(await kit.ReferencedPartsAsync(), parts);
    }

    [Fact]
    public async Task Indeterminate_and_committed_then_the_callers_retry_reports_AlreadyCommitted_and_writes_nothing()
    {
        var kit = new ShardTestKit();
        var blob = new FaultInjectingBackend(kit.Blob);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, blob, kit.Options(maxAttempts: 1));
        await using var writer = await shard.OpenWriterAsync("w");
        var token = Guid.NewGuid();
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect);
        await Assert.ThrowsAsync<ShardUnavailableException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, token));
        var before = blob.OperationCount;

        // The head answers the retry: no part is even written (and then deleted).
        Assert.Equal(AppendResult.AlreadyCommitted(1), await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, token));
        Assert.Equal(before, blob.OperationCount);
        Same(Batch("a", 0), await shard.SnapshotAsync(0));
        Assert.Single(await kit.PartFilesAsync());
    }

    [Theory]
    [InlineData(ConsensusFault.IndeterminateWithoutEffect)]
    [InlineData(ConsensusFault.FailWithoutEffect)]
    public async Task A_peer_moved_the_upper_in_between_then_UpperMismatch_with_the_peers_upper_and_the_part_is_deleted(ConsensusFault fault)
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        await using var peer = await shard.OpenWriterAsync("peer");
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, fault, between: async () =>
            Assert.True((await peer.CompareAndAppendAsync(Batch("peer", 0), 0, 5, Guid.NewGuid())).IsCommitted));

        var result = await writer.CompareAndAppendAsync(Batch("mine", 0), 0, 3, Guid.NewGuid());

        Assert.Equal(AppendResult.UpperMismatch(5), result);
        Same(Batch("peer", 0), await shard.SnapshotAsync(4));
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Fact]
    public async Task Committed_then_a_peer_advanced_the_retry_is_AlreadyCommitted()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        await using var peer = await shard.OpenWriterAsync("peer");
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect, between: async () =>
            Assert.True((await peer.CompareAndAppendAsync(Batch("peer", 3), 3, 6, Guid.NewGuid())).IsCommitted));

        var result = await writer.CompareAndAppendAsync(Batch("mine", 0), 0, 3, Guid.NewGuid());

        Assert.Equal(AppendResult.AlreadyCommitted(6), result);
        Same([.. Batch("mine", 0), .. Batch("peer", 3)], await shard.SnapshotAsync(5));
        Assert.Equal(await kit.ReferencedPartsAsync(), await kit.PartFilesAsync());
    }

    [Fact]
    public async Task Negative_control_classifying_by_the_upper_alone_reports_a_committed_batch_as_a_mismatch_and_loses_it()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync(ShardDeviation.AppendIgnoresToken);
        await using var writer = await shard.OpenWriterAsync("w");
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect);

        var result = await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid());

        // The bug: the batch is in, yet the writer hears "mismatch" (so it would re-stash and append it again), and
        // believing its attempt lost, it deletes the part the committed state references.
        Assert.Equal(AppendResult.UpperMismatch(1), result);
        await Assert.ThrowsAsync<ShardPartException>(() => shard.SnapshotAsync(0));
    }

    [Fact]
    public async Task A_writer_going_backwards_gets_UpperMismatch_and_writes_no_part()
    {
        var kit = new ShardTestKit();
        var blob = new FaultInjectingBackend(kit.Blob);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, blob, kit.Options());
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.Equal(AppendResult.Committed(5), await writer.CompareAndAppendAsync(Batch("a", 0), 0, 5, Guid.NewGuid()));
        Assert.Equal(5, shard.Upper);
        var parts = await kit.PartFilesAsync();
        var before = blob.OperationCount;

        Assert.Equal(AppendResult.UpperMismatch(5), await writer.CompareAndAppendAsync(Batch("b", 2), 2, 4, Guid.NewGuid()));
        Assert.Equal(AppendResult.UpperMismatch(5), await writer.CompareAndAppendAsync(Batch("c", 0), 0, 9, Guid.NewGuid()));
        Assert.Equal(AppendResult.UpperMismatch(5), await writer.CompareAndAppendAsync(Batch("d", 7), 7, 9, Guid.NewGuid()));

        Assert.Equal(before, blob.OperationCount);
        Assert.Equal(parts, await kit.PartFilesAsync());
        Same(Batch("a", 0), await shard.SnapshotAsync(4));
    }

    [Fact]
    public async Task A_lost_race_deletes_the_losers_part()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var winner = await shard.OpenWriterAsync("winner");
        await using var loser = await shard.OpenWriterAsync("loser");

        // The loser has written its part and is about to compare-and-set when the winner commits.
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.FailWithoutEffect, between: async () =>
            Assert.True((await winner.CompareAndAppendAsync(Batch("winner", 0), 0, 1, Guid.NewGuid())).IsCommitted));

        Assert.Equal(AppendResult.UpperMismatch(1), await loser.CompareAndAppendAsync(Batch("loser", 0), 0, 1, Guid.NewGuid()));

        var files = await kit.PartFilesAsync();
        Assert.Single(files);
        Assert.Equal(await kit.ReferencedPartsAsync(), files);
    }

    [Fact]
    public async Task A_loser_whose_part_cannot_be_deleted_still_gets_its_answer_and_leaves_the_part_to_the_collection()
    {
        var kit = new ShardTestKit();
        var blob = new FaultInjectingBackend(kit.Blob);
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, blob, kit.Options());
        await using var winner = await shard.OpenWriterAsync("winner");
        await using var loser = await shard.OpenWriterAsync("loser");
        blob.FailWhen(StorageOperationKind.Delete, permanent: true);
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.FailWithoutEffect, between: async () =>
            Assert.True((await winner.CompareAndAppendAsync(Batch("winner", 0), 0, 1, Guid.NewGuid())).IsCommitted));

        Assert.Equal(AppendResult.UpperMismatch(1), await loser.CompareAndAppendAsync(Batch("loser", 0), 0, 1, Guid.NewGuid()));

        Assert.Equal(2, (await kit.PartFilesAsync()).Length);
        Assert.Single(await kit.ReferencedPartsAsync());
    }

    [Fact]
    public async Task An_empty_batch_advances_the_upper_without_a_part_and_is_idempotent_too()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        var token = Guid.NewGuid();
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateAfterEffect);

        Assert.Equal(AppendResult.AlreadyCommitted(4), await writer.CompareAndAppendAsync([], 0, 4, token));
        Assert.Equal(AppendResult.AlreadyCommitted(4), await writer.CompareAndAppendAsync([], 0, 4, token));
        Assert.Empty(await kit.PartFilesAsync());
        Assert.Equal(4, (await shard.GetFrontiersAsync()).Upper);
    }

    [Fact]
    public async Task Invalid_appends_are_refused_before_anything_is_written()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        var head = (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo;

        var equal = await Assert.ThrowsAsync<ArgumentException>(() => writer.CompareAndAppendAsync([], 3, 3, Guid.NewGuid()));
        Assert.Equal(("newUpper", "The new upper 3 must be above the expected upper 3."), (equal.ParamName, equal.Message.Split(" (Parameter")[0]));
        var above = await Assert.ThrowsAsync<ArgumentException>(() => writer.CompareAndAppendAsync(Batch("a", 5), 0, 5, Guid.NewGuid()));
        Assert.Equal(("updates", "An update at time 5 lies outside the appended interval [0, 5)."), (above.ParamName, above.Message.Split(" (Parameter")[0]));
        var below = await Assert.ThrowsAsync<ArgumentException>(() => writer.CompareAndAppendAsync([U(1, "x", -1)], 0, 5, Guid.NewGuid()));
        Assert.StartsWith("An update at time -1 lies outside the appended interval [0, 5).", below.Message, StringComparison.Ordinal);
        var token = await Assert.ThrowsAsync<ArgumentException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.Empty));
        Assert.Equal(("token", "The idempotency token must not be empty."), (token.ParamName, token.Message.Split(" (Parameter")[0]));
        var row = await Assert.ThrowsAsync<ArgumentException>(() => writer.CompareAndAppendAsync([new Update<Edge>(null!, 0, 1)], 0, 1, Guid.NewGuid()));
        Assert.Equal(("updates", "An update's row must not be null."), (row.ParamName, row.Message.Split(" (Parameter")[0]));
        Assert.Equal("updates", (await Assert.ThrowsAsync<ArgumentNullException>(() => writer.CompareAndAppendAsync(null!, 0, 1, Guid.NewGuid()))).ParamName);
        Assert.Equal("expectedUpper", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => writer.CompareAndAppendAsync([], -1, 0, Guid.NewGuid()))).ParamName);

        Assert.Empty(await kit.PartFilesAsync());
        Assert.Equal(head, (await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)))!.SeqNo);
    }

    [Fact]
    public async Task A_disposed_writer_refuses_to_append()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var writer = await shard.OpenWriterAsync("w");
        await writer.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()));

        Assert.Equal(0, (await kit.StateAsync()).Upper);
        Assert.Empty(await kit.PartFilesAsync());
    }
}
