using Bulwark.Runtime.Tests.Storage;
using Bulwark.Shards;
using Bulwark.Storage;
using Xunit;
using static Bulwark.Runtime.Tests.Storage.SystemCallErrors;
using static Bulwark.Runtime.Tests.Shards.ConsensusEntries;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// A file consensus store over system calls that fail on cue: a link that fails, is interrupted, finds its name taken
/// or takes effect and still reports an error; an fsync that fails after a link, during a head read or a truncation.
/// Each outcome is the one a caller can act on: nothing happened (retry), or it may have happened (indeterminate).
/// </summary>
public sealed class FileConsensusFaultTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly FaultingSystemCalls calls = new();
    private readonly FileConsensus consensus;
    private readonly string keyDirectory;

    public FileConsensusFaultTests()
    {
        consensus = new FileConsensus(temp.Join("store")) { SystemCalls = calls };
        keyDirectory = KeyDirectory(consensus.RootPath, "k");
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_link_that_fails_publishes_nothing_and_the_write_can_be_tried_again()
    {
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        calls.Links.Enqueue(LinkFault.Fails(EIO));

        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1, "one")));

        Assert.Equal($"Cannot publish entry '{EntryPath(1)}' of {consensus.Description}: link failed with errno 5 ({IoError}).", failed.Message);
        Assert.True(failed.IsTransient);
        Assert.IsNotType<IndeterminateConsensusException>(failed);
        AssertKeyDirectoryHolds(0);
        Assert.Equal(Entry(0, "zero"), await consensus.HeadAsync("k"));
        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1, "one")));
    }

    [Fact]
    public async Task A_link_interrupted_by_a_signal_is_made_again()
    {
        calls.Links.Enqueue(LinkFault.Fails(EINTR));
        calls.Links.Enqueue(LinkFault.Fails(EINTR));

        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));

        Assert.Equal(3, calls.LinksMade);
        AssertKeyDirectoryHolds(0);
        Assert.Equal(Entry(0, "zero"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_link_that_took_effect_and_reported_an_error_is_indeterminate_and_its_entry_stands()
    {
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        calls.Links.Enqueue(LinkFault.TakesEffectThenFails(EIO));

        var unsure = await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1, "one")));

        Assert.Equal(
            $"Entry 1 of key 'k' in {consensus.Description} was linked but may not be durable: Cannot publish entry '{EntryPath(1)}' of {consensus.Description}: link failed with errno 5 ({IoError}).",
            unsure.Message);
        AssertKeyDirectoryHolds(0, 1);
        Assert.Equal(Entry(1, "one"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_name_taken_by_a_writer_that_ignores_the_lock_is_a_mismatch_and_its_entry_is_kept()
    {
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        calls.Links.Enqueue(LinkFault.Taken("theirs"));

        Assert.Equal(CasResult.Mismatch(1), await consensus.CompareAndSetAsync("k", 0, Entry(1, "ours")));

        AssertKeyDirectoryHolds(0, 1);
        Assert.Equal(Entry(1, "theirs"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_failed_fsync_after_the_link_is_indeterminate_and_the_entry_is_read_once_an_fsync_succeeds()
    {
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        calls.Fsyncs.Enqueue(EIO);

        var unsure = await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1, "one")));

        Assert.Equal(
            $"Entry 1 of key 'k' in {consensus.Description} was linked but may not be durable: Cannot sync directory '{keyDirectory}' in {consensus.Description}: fsync failed with errno 5 ({IoError}).",
            unsure.Message);
        AssertKeyDirectoryHolds(0, 1);
        Assert.Equal(Entry(1, "one"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_head_read_whose_fsync_fails_hands_nothing_out_and_fails_as_transient()
    {
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        calls.Fsyncs.Enqueue(EIO);

        // The entry is not handed out: a reader must never act on one that a power loss could still take away.
        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.HeadAsync("k"));

        Assert.Equal($"{consensus.Description}: Cannot sync directory '{keyDirectory}' in {consensus.Description}: fsync failed with errno 5 ({IoError}).", failed.Message);
        Assert.True(failed.IsTransient);
        Assert.Equal(Entry(0, "zero"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_truncation_whose_fsync_fails_is_indeterminate_and_names_what_it_removed()
    {
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        Assert.Equal(CasResult.Committed(1), await consensus.CompareAndSetAsync("k", 0, Entry(1, "one")));
        Assert.Equal(CasResult.Committed(2), await consensus.CompareAndSetAsync("k", 1, Entry(2, "two")));
        calls.Fsyncs.Enqueue(EIO);

        var unsure = await Assert.ThrowsAsync<IndeterminateConsensusException>(() => consensus.TruncateAsync("k", 2));

        Assert.Equal(
            $"Truncation of key 'k' in {consensus.Description} removed 2 entries and then failed; they may reappear after a crash: Cannot sync directory '{keyDirectory}' in {consensus.Description}: fsync failed with errno 5 ({IoError}).",
            unsure.Message);
        AssertKeyDirectoryHolds(2);
        Assert.Equal(Entry(2, "two"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task A_failed_fsync_after_a_link_that_found_its_name_taken_is_a_transient_failure_not_an_indeterminate_one()
    {
        Assert.Equal(CasResult.Committed(0), await consensus.CompareAndSetAsync("k", null, Entry(0, "zero")));
        calls.Links.Enqueue(LinkFault.Taken("theirs"));
        calls.Fsyncs.Enqueue(EIO);

        // Nothing of ours was published, so there is nothing whose fate is unknown: the call can simply be retried.
        var failed = await Assert.ThrowsAsync<ConsensusException>(() => consensus.CompareAndSetAsync("k", 0, Entry(1, "ours")));

        Assert.Equal(
            $"Cannot sync '{keyDirectory}' of {consensus.Description}: Cannot sync directory '{keyDirectory}' in {consensus.Description}: fsync failed with errno 5 ({IoError}).",
            failed.Message);
        Assert.True(failed.IsTransient);
        AssertKeyDirectoryHolds(0, 1);
        Assert.Equal(Entry(1, "theirs"), await consensus.HeadAsync("k"));
    }

    [Fact]
    public async Task An_indeterminate_compare_and_set_is_counted_as_such()
    {
        using var meters = new TestMeterFactory();
        using var totals = new MeterTotals(meters, ConsensusMetrics.MeterName);
        var metered = new FileConsensus(temp.Join("metered"), null, meters) { SystemCalls = calls };
        Assert.Equal(CasResult.Committed(0), await metered.CompareAndSetAsync("k", null, Entry(0, "zero")));
        calls.Fsyncs.Enqueue(EIO);

        await Assert.ThrowsAsync<IndeterminateConsensusException>(() => metered.CompareAndSetAsync("k", 0, Entry(1, "one")));

        Assert.Equal(1, totals[$"{ConsensusMetrics.CompareAndSets}/file/indeterminate"]);
        Assert.Equal(1, totals[$"{ConsensusMetrics.CompareAndSets}/file/committed"]);
    }

    private string EntryPath(long seqNo) => Path.Join(keyDirectory, Name(seqNo));

    /// <summary>The key directory holds exactly these entries and its lock: no temporary was left behind.</summary>
    private void AssertKeyDirectoryHolds(params long[] seqNos)
    {
        var expected = seqNos.Select(s => Path.GetFileName(EntryPath(s))).Append(".lock").Order(StringComparer.Ordinal);
        Assert.Equal(expected, Directory.EnumerateFileSystemEntries(keyDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
