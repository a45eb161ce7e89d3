using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// Crashes during recovery: recovery itself deletes directories of unfinished commits, so every crash state of its
/// own trace must recover to the same checkpoints with the same bytes as the recovery that was interrupted.
/// </summary>
internal static class NestedRecoveryOracle
{
    /// <summary>The crash states of recovering <paramref name="state"/> (none if recovery changed nothing), and the problems found in them.</summary>
    public static async Task<(int States, string? Problem)> CheckAsync(CrashState state, System.Collections.Concurrent.ConcurrentDictionary<string, bool> seen)
    {
        var backend = CrashSimulatingBackend.FromState(state);
        Dictionary<Guid, Dictionary<string, byte[]>> reference;
        await using (var first = await Checkpointer.OpenAsync(backend))
        {
            reference = await SnapshotAsync(first);
        }

        if (!backend.Trace.Any(op => op.IsMutation))
        {
            return (0, null);
        }

        var count = 0;
        foreach (var nested in CrashSimulatingBackend.EnumerateCrashStates(state, backend.Trace))
        {
            // Only states no other part of the sweep has checked count, so the total stays a count of distinct states.
            if (!seen.TryAdd(nested.Key, true))
            {
                continue;
            }

            count++;
            try
            {
                await using var again = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(nested));
                var contents = await SnapshotAsync(again);
                if (!contents.Keys.SequenceEqual(reference.Keys))
                {
                    return (count, $"crash during recovery ({nested.Description}) changed the checkpoint list");
                }

                foreach (var (id, files) in reference)
                {
                    var got = contents[id];
                    if (got.Count != files.Count || files.Any(f => !got.TryGetValue(f.Key, out var bytes) || !bytes.AsSpan().SequenceEqual(f.Value)))
                    {
                        return (count, $"crash during recovery ({nested.Description}) changed checkpoint {RecoveryOracle.Short(id)}");
                    }
                }
            }
            catch (Exception e)
            {
                return (count, $"crash during recovery ({nested.Description}) made the store unrecoverable: {e.GetType().Name}: {e.Message}");
            }
        }

        return (count, null);
    }

    private static async Task<Dictionary<Guid, Dictionary<string, byte[]>>> SnapshotAsync(Checkpointer checkpointer)
    {
        var result = new Dictionary<Guid, Dictionary<string, byte[]>>();
        foreach (var info in checkpointer.Checkpoints)
        {
            var restored = await checkpointer.RestoreAsync(info.Id);
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var op in restored.OperatorIds)
            {
                restored.TryGetState(op, out var bytes);
                files["state:" + op] = bytes.ToArray();
            }

            foreach (var shared in restored.SharedFiles)
            {
                files["shared:" + shared.Path] = await restored.ReadSharedFileAsync(shared.Path);
            }

            result[info.Id] = files;
        }

        return result;
    }
}
