using Bulwark.Storage;

namespace Bulwark.Testing;

public sealed partial class CrashSimulatingBackend
{
    /// <summary>
    /// Builds the distinct crash states a disk could be left in at every point of <paramref name="trace"/> (recorded by a
    /// backend that started from <paramref name="initial"/>): for every prefix, the state with every pending change
    /// persisted, the state with every unsynced change dropped, ordering states (one pending change lost while the
    /// later ones persisted, or persisted alone — a pending change is one no directory sync has yet fenced), every
    /// combination of pending changes when there are few, and torn writes of the file being written last.
    /// </summary>
    public static IEnumerable<CrashState> EnumerateCrashStates(CrashState initial, IReadOnlyList<StorageOperation> trace, CrashEnumerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(trace);
        options ??= new CrashEnumerationOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var model = new CrashModel(initial);
        var writing = new Dictionary<string, List<byte>>(StringComparer.Ordinal);
        string? lastCreated = null;

        foreach (var state in StatesAt(0, namespaceChanged: true))
        {
            yield return state;
        }

        foreach (var op in trace)
        {
            if (!op.IsMutation)
            {
                continue;
            }

            // Creating and writing a pending file changes only its hidden temporary: the namespace states of the
            // previous prefix would repeat, so only the torn-write states are new there.
            var namespaceChanged = op.Kind is not (StorageOperationKind.Create or StorageOperationKind.Write or StorageOperationKind.Flush);
            switch (op.Kind)
            {
                case StorageOperationKind.Create:
                    writing[op.Path] = [];
                    lastCreated = op.Path;
                    break;
                case StorageOperationKind.Write:
                    if (writing.TryGetValue(op.Path, out var bytes))
                    {
                        bytes.AddRange(op.Data.Span);
                    }

                    break;
                case StorageOperationKind.Flush:
                    break;
                case StorageOperationKind.Rename:
                    writing.Remove(op.Path);
                    if (lastCreated == op.Path)
                    {
                        lastCreated = null;
                    }

                    model.Publish(op.Path, op.Data.ToArray(), op.Sequence);
                    break;
                case StorageOperationKind.SyncDirectory:
                    model.Sync(op.Path, op.Sequence);
                    break;
                case StorageOperationKind.CreateDirectory:
                    model.MakeDirectory(op.Path, op.Sequence);
                    break;
                case StorageOperationKind.Delete:
                    model.Unlink(op.Path, op.Sequence);
                    break;
                case StorageOperationKind.DeleteDirectory:
                    model.RemoveDirectory(op.Path, op.Sequence);
                    break;
            }

            foreach (var state in StatesAt(op.Sequence + 1, namespaceChanged))
            {
                yield return state;
            }
        }

        IEnumerable<CrashState> StatesAt(int prefix, bool namespaceChanged)
        {
            var pending = model.Pending;
            var candidates = new List<(string Label, ulong Mask)>();
            if (namespaceChanged)
            {
                candidates.Add(("unsynced dropped", 0UL));
            }

            var count = Math.Min(pending.Count, 63);
            var all = count == 64 ? ulong.MaxValue : (1UL << count) - 1;
            if (count > 0 && namespaceChanged)
            {
                candidates.Add(("everything persisted", all));
                for (var i = 0; i < count; i++)
                {
                    candidates.Add(($"lost {pending[i]} while later changes persisted", all & ~(1UL << i)));
                    candidates.Add(($"only {pending[i]} persisted", 1UL << i));
                }

                if (count <= options.ExhaustiveSubsetLimit)
                {
                    for (var mask = 1UL; mask < all; mask++)
                    {
                        candidates.Add(($"pending subset 0x{mask:x}", mask));
                    }
                }
            }

            var masks = new HashSet<ulong>();
            foreach (var (label, mask) in candidates)
            {
                if (!masks.Add(mask))
                {
                    continue;
                }

                var state = model.StateWith(mask, $"prefix {prefix}: {label}", prefix, temporary: null);
                if (seen.Add(state.Key))
                {
                    yield return state;
                }
            }

            if (lastCreated is not null && writing.TryGetValue(lastCreated, out var written) && written.Count > 0 && options.TornWrites)
            {
                var content = written.ToArray();
                foreach (var cut in new[] { 0, 1, content.Length / 2, content.Length - 1, content.Length }.Distinct())
                {
                    if (cut < 0 || cut > content.Length)
                    {
                        continue;
                    }

                    foreach (var mask in count > 0 ? new[] { 0UL, all } : [0UL])
                    {
                        var torn = model.StateWith(mask, $"prefix {prefix}: torn write of '{lastCreated}' ({cut} of {content.Length} bytes)", prefix, (lastCreated, content[..cut]));
                        if (seen.Add(torn.Key))
                        {
                            yield return torn;
                        }
                    }
                }
            }
        }
    }
}
