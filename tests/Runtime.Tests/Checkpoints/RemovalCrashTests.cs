using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// Crash states of the calls that remove checkpoints — dropping one, collecting old ones with shared files of their
/// own — which the standard workload of <see cref="CrashSweepTests"/> does not cover so. After recovery from each: the catalog is the list before or after the call, every catalogued checkpoint
/// restores, and no shared file or checkpoint directory is left that no catalogued checkpoint lists. The Checkpoints
/// mutation run with awaited calls mutated found the root syncs these depend on removable without a failing test.
/// </summary>
public sealed class RemovalCrashTests
{
    [Fact]
    public async Task Every_crash_state_of_a_drop_recovers_to_the_list_before_or_after_it_with_nothing_left_over()
    {
        var (initial, ids) = await StoreWithSharedFilesAsync();
        var checked_ = await SweepAsync(initial, async checkpointer => await checkpointer.DropCheckpointAsync(ids[0]), [ids, ids[1..]]);
        Assert.True(checked_ >= 10, $"only {checked_} crash states");
    }

    [Fact]
    public async Task Every_crash_state_of_a_collection_recovers_to_the_list_before_or_after_it_with_nothing_left_over()
    {
        var (initial, ids) = await StoreWithSharedFilesAsync();
        var checked_ = await SweepAsync(initial, async checkpointer => Assert.Equal([ids[0]], (await checkpointer.CollectGarbageAsync(retain: 2)).RemovedCheckpoints), [ids, ids[1..]]);
        Assert.True(checked_ >= 10, $"only {checked_} crash states");
    }

    /// <summary>A durable store of three checkpoints, each with a state and a shared file of its own.</summary>
    private static async Task<(CrashState State, Guid[] Ids)> StoreWithSharedFilesAsync()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var ids = new List<Guid>();
        foreach (var name in new[] { "one", "two", "three" })
        {
            ids.Add((await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes(name)).AddSharedFile($"b-{name}.arrow", Bytes(name)))).Id);
        }

        await checkpointer.DisposeAsync();
        return (crash.CaptureDurableState(), [.. ids]);
    }

    /// <summary>
    /// Runs <paramref name="act"/> on a checkpointer opened over <paramref name="initial"/>, then recovers from every
    /// crash state of that trace; returns how many states were checked.
    /// </summary>
    private static async Task<int> SweepAsync(CrashState initial, Func<Checkpointer, Task> act, Guid[][] allowedLists)
    {
        var backend = CrashSimulatingBackend.FromState(initial);
        await using (var checkpointer = await Checkpointer.OpenAsync(backend))
        {
            await act(checkpointer);
        }

        var states = CrashSimulatingBackend.EnumerateCrashStates(initial, backend.Trace).ToList();
        foreach (var state in states)
        {
            var problem = await CheckAsync(state, allowedLists);
            Assert.True(problem is null, $"[{state.Description}] {problem}");
        }

        return states.Count;
    }

    private static async Task<string?> CheckAsync(CrashState state, Guid[][] allowedLists)
    {
        var backend = CrashSimulatingBackend.FromState(state);
        await using var checkpointer = await Checkpointer.OpenAsync(backend);
        var listed = checkpointer.Checkpoints.Select(c => c.Id).ToArray();
        if (!allowedLists.Any(allowed => allowed.SequenceEqual(listed)))
        {
            return $"recovered [{string.Join(", ", listed)}], neither list before nor after the call";
        }

        if (checkpointer.DamagedCheckpoints.Count > 0)
        {
            return $"damaged after recovery: {string.Join("; ", checkpointer.DamagedCheckpoints.Values.Select(e => e.Message))}";
        }

        foreach (var id in listed)
        {
            await checkpointer.RestoreAsync(id);
        }

        var referenced = checkpointer.Checkpoints.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in await backend.ListAsync(string.Empty))
        {
            if (entry.IsDirectory ? !listed.Any(id => entry.Name == id.ToString("D")) : !entry.Name.StartsWith("checkpoints.", StringComparison.Ordinal) && !referenced.Contains(entry.Name))
            {
                return $"'{entry.Name}' is left over: no catalogued checkpoint lists it";
            }
        }

        return null;
    }
}
