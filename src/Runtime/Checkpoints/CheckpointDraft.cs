using Bulwark.Serialization;

namespace Bulwark.Checkpoints;

/// <summary>
/// The contents of a checkpoint before it is committed: each operator's state bytes, the new shared batch files it
/// writes, and the shared files of earlier checkpoints it still needs. Nothing touches storage until
/// <see cref="Checkpointer.CommitAsync"/>.
/// </summary>
public sealed class CheckpointDraft
{
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _newShared = new(StringComparer.Ordinal);
    private readonly HashSet<string> _referencedShared = new(StringComparer.Ordinal);

    /// <summary>Operator ids with state in this draft.</summary>
    public IReadOnlyCollection<string> OperatorIds => _states.Keys;

    internal IReadOnlyDictionary<string, ReadOnlyMemory<byte>> States => _states;

    internal IReadOnlyDictionary<string, ReadOnlyMemory<byte>> NewSharedFiles => _newShared;

    internal IReadOnlyCollection<string> ReferencedSharedFiles => _referencedShared;

    /// <summary>
    /// Sets an operator's state. Operator ids are 1-200 ASCII letters, digits, '-', '_' or '.', not starting with '.'.
    /// Each operator has one state per checkpoint: setting it twice is refused rather than keeping the last silently.
    /// </summary>
    /// <exception cref="ArgumentException">The id is malformed, or this draft already has state for it.</exception>
    public CheckpointDraft SetState(string operatorId, ReadOnlyMemory<byte> state)
    {
        ArgumentNullException.ThrowIfNull(operatorId);
        if (!CheckpointFiles.IsValidOperatorId(operatorId))
        {
            throw new ArgumentException($"Operator id '{operatorId}' is not 1-{CheckpointFiles.MaxOperatorIdLength} ASCII letters, digits, '-', '_' or '.' (not starting with '.').", nameof(operatorId));
        }

        if (!_states.TryAdd(operatorId, state))
        {
            throw new ArgumentException($"Operator '{operatorId}' already has state in this draft; each operator has one state per checkpoint.", nameof(operatorId));
        }

        return this;
    }

    /// <summary>Sets an operator's state through its generated, validated serializer.</summary>
    public CheckpointDraft SetState<T>(string operatorId, T state)
        where T : ICheckpointState<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        return SetState(operatorId, CheckpointSerializer.Serialize(state));
    }

    /// <summary>Adds a new immutable batch file, written at the store root with this checkpoint and shared by later ones that reference it.</summary>
    public CheckpointDraft AddSharedFile(string name, ReadOnlyMemory<byte> contents)
    {
        ThrowIfBadSharedName(name);
        if (_referencedShared.Contains(name))
        {
            throw new ArgumentException($"Shared file '{name}' is already referenced by this draft.", nameof(name));
        }

        _newShared[name] = contents;
        return this;
    }

    /// <summary>References a shared file an earlier committed checkpoint wrote; it is kept for as long as this checkpoint is.</summary>
    public CheckpointDraft ReferenceSharedFile(string name)
    {
        ThrowIfBadSharedName(name);
        if (_newShared.ContainsKey(name))
        {
            throw new ArgumentException($"Shared file '{name}' is already added to this draft.", nameof(name));
        }

        _referencedShared.Add(name);
        return this;
    }

    private static void ThrowIfBadSharedName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (CheckpointFiles.SharedNameProblem(name) is { } problem)
        {
            throw new ArgumentException($"Shared file name '{name}' is refused: {problem}.", nameof(name));
        }
    }
}
