using Bulwark.Serialization;
using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>
/// A checkpoint whose manifest was verified: every listed file is present with its recorded size, and every state file
/// matched its recorded CRC32C when it was read.
/// </summary>
public sealed class RestoredCheckpoint
{
    private readonly IStorageBackend _backend;
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _states;

    internal RestoredCheckpoint(IStorageBackend backend, CheckpointInfo info, Dictionary<string, ReadOnlyMemory<byte>> states)
    {
        _backend = backend;
        Info = info;
        _states = states;
    }

    public Guid Id => Info.Id;

    public CheckpointInfo Info { get; }

    /// <summary>Operators whose state was restored.</summary>
    public IReadOnlyCollection<string> OperatorIds => _states.Keys;

    /// <summary>The shared batch files the checkpoint needs.</summary>
    public IReadOnlyList<CheckpointFileInfo> SharedFiles => Info.Files.Where(f => f.Kind == CheckpointFileKind.Shared).ToArray();

    /// <summary>
    /// An operator's state bytes. False means the manifest does not list the operator: it is new since this checkpoint.
    /// (A listed state that is missing never gets here: the restore failed.)
    /// </summary>
    public bool TryGetState(string operatorId, out ReadOnlyMemory<byte> state) => _states.TryGetValue(operatorId, out state);

    /// <summary>An operator's state, deserialized and validated; false if the operator is new since this checkpoint.</summary>
    /// <exception cref="CheckpointStateTypeMismatchException">The operator's state is of another state type than <typeparamref name="T"/>.</exception>
    /// <exception cref="CheckpointFormatException">The bytes are not a valid <typeparamref name="T"/>.</exception>
    public bool TryGetState<T>(string operatorId, out T state)
        where T : ICheckpointState<T>
    {
        if (!_states.TryGetValue(operatorId, out var bytes))
        {
            state = default!;
            return false;
        }

        // Asking with the wrong type is a caller mistake, not damage: say which type is stored so it cannot be mistaken
        // for corruption (and never answer false, which would read as "new operator" and restart it from nothing).
        var path = CheckpointFiles.StatePath(Id, operatorId);
        var stored = CheckpointSerializer.ReadHeader(bytes.Span, path).StateTypeName;
        if (!string.Equals(stored, T.StateTypeName, StringComparison.Ordinal))
        {
            throw new CheckpointStateTypeMismatchException(Id, operatorId, stored, T.StateTypeName);
        }

        state = CheckpointSerializer.Deserialize<T>(bytes.Span, path);
        return true;
    }

    /// <summary>Reads a shared file of this checkpoint, verifying its size and CRC32C.</summary>
    /// <exception cref="CheckpointCorruptException">The file is missing or does not match the manifest.</exception>
    public async ValueTask<byte[]> ReadSharedFileAsync(string name, CancellationToken cancellationToken = default)
    {
        var file = Info.Files.FirstOrDefault(f => f.Kind == CheckpointFileKind.Shared && f.Path == name)
            ?? throw new ArgumentException($"Checkpoint {Id:D} does not list shared file '{name}'.", nameof(name));
        return await Checkpointer.ReadVerifiedAsync(_backend, Id, file, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>What a garbage collection removed.</summary>
/// <param name="RemovedCheckpoints">Checkpoints dropped from the catalog.</param>
/// <param name="DeletedPaths">Shared files and checkpoint directories deleted (including directories of failed commits).</param>
public sealed record GarbageCollectionResult(IReadOnlyList<Guid> RemovedCheckpoints, IReadOnlyList<string> DeletedPaths);

/// <summary>A checkpoint <see cref="Checkpointer.RestoreLatestHealthyAsync"/> passed over, and why.</summary>
/// <param name="Id">The checkpoint.</param>
/// <param name="Error">What is damaged: the files and reasons.</param>
public sealed record SkippedCheckpoint(Guid Id, CheckpointCorruptException Error);

/// <summary>The newest intact checkpoint (null if none is), and every newer one skipped, newest first.</summary>
public sealed record HealthyRestoreResult(RestoredCheckpoint? Checkpoint, IReadOnlyList<SkippedCheckpoint> Skipped);
