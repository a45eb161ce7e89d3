using Bulwark.Shards;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A writer whose lease another process removed (its collection found it expired): before an append it takes a new
/// one, since no other handle took over; during an append it learns that the lease is gone and whether the append may
/// have landed, which only an attempt with an unknown outcome, by a handle whose registration is not its own latest
/// commit, leaves open.
/// </summary>
public sealed class ShardLeaseLossTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public async Task A_lease_is_gone_at_its_expiry_time_not_a_moment_later(long afterNowMs, bool gone)
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using (var writer = await shard.OpenWriterAsync("w"))
        {
            Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 5, Guid.NewGuid())).IsCommitted);
        }

        // A reader of a crashed process holds the since at 0 until its expiry, which is now or a millisecond away.
        var expiry = kit.Time.GetUtcNow().ToUnixTimeMilliseconds() + afterNowMs;
        await kit.WriteHeadAsync(state => state with { Leases = [new ShardLease("crashed", Guid.NewGuid(), LeaseKind.Reader, 0, 0, expiry)] });

        Assert.Equal(gone ? 3 : 0, await shard.AdvanceSinceAsync(3));
        Assert.Equal(gone ? 0 : 1, (await kit.StateAsync()).Leases.Count);
    }

    [Fact]
    public async Task A_writer_whose_lease_expired_before_an_append_takes_a_new_one_though_other_writers_hold_leases()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        await using var other = await shard.OpenWriterAsync("v");
        var expired = writer.LeaseId;
        await RemoveLeaseAsync(kit, expired);

        // No handle of "w" holds a lease, so nobody took over: the append takes a new lease and commits.
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);
        Assert.NotEqual(expired, writer.LeaseId);
        Assert.Equal(["v", "w"], (await kit.StateAsync()).Leases.Select(l => l.HolderId).Order(StringComparer.Ordinal));
        Assert.True((await other.CompareAndAppendAsync(Batch("b", 1), 1, 2, Guid.NewGuid())).IsCommitted);
    }

    [Fact]
    public async Task An_append_with_an_unknown_outcome_that_then_finds_its_lease_gone_says_it_may_have_landed()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateWithoutEffect, between: () => RemoveLeaseAsync(kit, writer.LeaseId));

        var lost = await Assert.ThrowsAsync<ShardLeaseLostException>(() => writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid()));
        Assert.True(lost.OutcomeUnknown);
        Assert.Equal(
            $"Shard '{ShardId}': the lease {writer.LeaseId} of 'w' is gone (it expired and was removed); whether the interrupted append took effect is unknown, retry with the same idempotency token on a new writer to find out.",
            lost.Message);
    }

    [Fact]
    public async Task The_same_loss_after_the_handle_committed_under_its_lease_is_known_not_to_have_landed()
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        await using var writer = await shard.OpenWriterAsync("w");
        Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);

        // The registration names this handle's lease, and its token is not the interrupted append's: that one is not in.
        kit.Consensus.Inject(ConsensusOperation.CompareAndSet, ConsensusFault.IndeterminateWithoutEffect, between: () => RemoveLeaseAsync(kit, writer.LeaseId));
        var lost = await Assert.ThrowsAsync<ShardLeaseLostException>(() => writer.CompareAndAppendAsync(Batch("b", 1), 1, 2, Guid.NewGuid()));
        Assert.False(lost.OutcomeUnknown);
        Assert.Equal(1, (await kit.StateAsync()).Upper);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_part_gone_under_a_read_is_a_lost_lease_when_the_lease_went_too_and_a_lost_part_otherwise(bool leaseGone)
    {
        // The read has loaded the head and is about to open the part when the part is deleted (and, if asked, the
        // reader's lease removed, as a collection that found it expired would).
        await using var held = await HeldRead.StartAsync();
        if (leaseGone)
        {
            await RemoveLeaseAsync(held.Kit, held.Reader.LeaseId);
        }

        Assert.True(await held.Kit.Blob.DeleteAsync(held.Part));
        held.Gate.Release();

        if (leaseGone)
        {
            Assert.Equal(held.Reader.LeaseId, (await Assert.ThrowsAsync<ShardLeaseLostException>(() => held.Snapshot)).LeaseId);
        }
        else
        {
            Assert.Equal(held.Part, (await Assert.ThrowsAsync<ShardPartException>(() => held.Snapshot)).PartKey);
        }
    }

    [Fact]
    public async Task A_part_gone_under_a_read_whose_head_cannot_be_read_again_gives_up_naming_the_snapshot()
    {
        await using var held = await HeldRead.StartAsync(maxAttempts: 1);

        // The part goes, and the read of the head that would tell a lost lease from a lost part fails.
        Assert.True(await held.Kit.Blob.DeleteAsync(held.Part));
        held.Kit.Consensus.Inject(ConsensusOperation.Head, ConsensusFault.FailWithoutEffect);
        held.Gate.Release();

        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => held.Snapshot);
        Assert.Equal(("snapshot", 1), (refused.Operation, refused.Attempts));
    }

    /// <summary>Writes the head again without the lease <paramref name="leaseId"/>, as another process's collection does.</summary>
    private static Task RemoveLeaseAsync(ShardTestKit kit, Guid leaseId) => kit.WriteHeadAsync(state =>
    {
        Assert.Contains(state.Leases, l => l.LeaseId == leaseId);
        return state with { Leases = state.Leases.Where(l => l.LeaseId != leaseId).ToArray() };
    });

    /// <summary>A snapshot by reader "r" of a shard with one part, held at the start of the part's read, the head already loaded.</summary>
    private sealed record HeldRead(ShardTestKit Kit, ShardReader<Edge> Reader, string Part, GatedBackend.Gate Gate, Task<IReadOnlyList<Update<Edge>>> Snapshot) : IAsyncDisposable
    {
        public static async Task<HeldRead> StartAsync(int maxAttempts = 50)
        {
            var kit = new ShardTestKit();
            var gated = new GatedBackend(kit.Blob);
            var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, gated, kit.Options(maxAttempts: maxAttempts));
            await using (var writer = await shard.OpenWriterAsync("w"))
            {
                Assert.True((await writer.CompareAndAppendAsync(Batch("a", 0), 0, 1, Guid.NewGuid())).IsCommitted);
            }

            var reader = await shard.OpenReaderAsync("r");
            var part = Assert.Single((await kit.StateAsync()).Parts).Key;
            var gate = gated.HoldNextRead(path => path == part);
            var snapshot = reader.SnapshotAsync(0);
            await gate.Reached;
            return new HeldRead(kit, reader, part, gate, snapshot);
        }

        public ValueTask DisposeAsync() => Reader.DisposeAsync();
    }
}
