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
    private readonly Dictionary<string, SharedFileSource> _newShared = new(StringComparer.Ordinal);
    private readonly HashSet<string> _referencedShared = new(StringComparer.Ordinal);

    /// <summary>Operator ids with state in this draft.</summary>
    public IReadOnlyCollection<string> OperatorIds => _states.Keys;

    internal IReadOnlyDictionary<string, ReadOnlyMemory<byte>> States => _states;

    internal IReadOnlyDictionary<string, SharedFileSource> NewSharedFiles => _newShared;

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

    /// <summary>
    /// Adds a new immutable batch file, written at the store root with this checkpoint. A later checkpoint keeps it
    /// alive only by referencing it (<see cref="ReferenceSharedFile"/>); once no retained checkpoint lists it, garbage
    /// collection deletes it.
    /// </summary>
    public CheckpointDraft AddSharedFile(string name, ReadOnlyMemory<byte> contents) => AddNewShared(name, new SharedFileSource.Memory(contents));

    /// <summary>
    /// Adds a new shared file copied from <paramref name="contents"/> when the draft is committed, in fixed-size chunks
    /// (the file never has to fit in memory). The stream is read once, from its current position to its end, during
    /// <see cref="Checkpointer.CommitAsync"/>: keep it open until then; the draft does not dispose it.
    /// </summary>
    public CheckpointDraft AddSharedFile(string name, Stream contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        if (!contents.CanRead)
        {
            throw new ArgumentException("The stream of a shared file must be readable.", nameof(contents));
        }

        return AddNewShared(name, new SharedFileSource.FromStream(contents));
    }

    /// <summary>Adds a new shared file copied, in fixed-size chunks, from the local file <paramref name="localPath"/> when the draft is committed.</summary>
    public CheckpointDraft AddSharedFileFromPath(string name, string localPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        return AddNewShared(name, new SharedFileSource.FromLocalFile(Path.GetFullPath(localPath)));
    }

    /// <summary>
    /// Makes a file the caller already committed at the store root through the same backend (for example a batch an
    /// Arrow or Parquet writer published there) a shared file of this checkpoint, without copying it. The commit reads
    /// it once to record its size and CRC32C, and fails if they differ from the expected values given here.
    /// </summary>
    public CheckpointDraft AdoptSharedFile(string name, long? expectedLength = null, uint? expectedCrc32C = null)
    {
        if (expectedLength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedLength), expectedLength, "A file length cannot be negative.");
        }

        return AddNewShared(name, new SharedFileSource.Adopted(expectedLength, expectedCrc32C));
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

    private CheckpointDraft AddNewShared(string name, SharedFileSource source)
    {
        ThrowIfBadSharedName(name);
        if (_referencedShared.Contains(name))
        {
            throw new ArgumentException($"Shared file '{name}' is already referenced by this draft.", nameof(name));
        }

        if (!_newShared.TryAdd(name, source))
        {
            throw new ArgumentException($"Shared file '{name}' is already added to this draft.", nameof(name));
        }

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
