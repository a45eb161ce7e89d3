using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>The base of every error the checkpointer raises on purpose; the message names the files involved.</summary>
public class CheckpointException : Exception
{
    public CheckpointException(string message)
        : base(message)
    {
    }

    public CheckpointException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The step of a durable change (commit or garbage collection) that failed.</summary>
public enum CheckpointCommitStep
{
    CreateCheckpointDirectory,
    WriteStateFile,
    WriteSharedFile,
    WriteManifest,
    SyncCheckpointDirectory,
    SyncRootBeforeCatalog,
    WriteCatalog,
    SyncRootCommitPoint,
    ReadManifest,
    DeleteSharedFile,
    DeleteCheckpointDirectory,
    SyncRootAfterDeletion,

    /// <summary>The catalog was read to check that this checkpointer still owns the store (its writer epoch).</summary>
    CheckWriterEpoch,
}

/// <summary>
/// A commit or garbage collection failed at <see cref="Step"/>. The in-memory checkpoint list is exactly what the
/// durable catalog holds: unchanged if the commit point was not reached.
/// </summary>
public sealed class CheckpointCommitException : CheckpointException
{
    public CheckpointCommitException(CheckpointCommitStep step, string path, Exception innerException)
        : base($"Checkpoint {Describe(step)} failed at '{path}': {innerException.Message}", innerException)
    {
        Step = step;
        Path = path;
    }

    public CheckpointCommitStep Step { get; }

    /// <summary>The storage path the failing step worked on ("" is the root).</summary>
    public string Path { get; }

    private static string Describe(CheckpointCommitStep step) => step switch
    {
        CheckpointCommitStep.DeleteSharedFile or CheckpointCommitStep.DeleteCheckpointDirectory or CheckpointCommitStep.SyncRootAfterDeletion
            => $"garbage collection ({step})",
        _ => $"commit step {step}",
    };
}

/// <summary>A stored file the checkpointer relies on is missing, malformed or does not match what the manifest recorded.</summary>
public sealed class CheckpointCorruptException : CheckpointException
{
    public CheckpointCorruptException(Guid? checkpointId, IReadOnlyList<CheckpointProblem> problems, Exception? innerException = null)
        : base(Format(checkpointId, problems), innerException)
    {
        CheckpointId = checkpointId;
        Problems = problems;
    }

    /// <summary>The checkpoint concerned, or null for the catalog.</summary>
    public Guid? CheckpointId { get; }

    /// <summary>Every problem found, one per file.</summary>
    public IReadOnlyList<CheckpointProblem> Problems { get; }

    /// <summary>The paths of listed files that are not there.</summary>
    public IReadOnlyList<string> MissingFiles => Problems.Where(p => p.Kind == CheckpointProblemKind.Missing).Select(p => p.Path).ToArray();

    private static string Format(Guid? id, IReadOnlyList<CheckpointProblem> problems)
    {
        var subject = id is { } g ? $"Checkpoint {g:D} is corrupt" : "The checkpoint catalog is corrupt";
        var remedy = id is { } d
            ? $" Checkpointer.RestoreLatestHealthyAsync restores the newest intact checkpoint instead; `bulwark checkpoints drop STORE {d:D}` removes this one."
            : " `bulwark checkpoints repair STORE` rebuilds the catalog from the intact manifests.";
        return $"{subject}: " + string.Join("; ", problems.Select(p => p.ToString())) + "." + remedy;
    }
}

/// <summary>What is wrong with one file.</summary>
public enum CheckpointProblemKind
{
    Missing,
    WrongSize,
    WrongChecksum,
    Malformed,
    RefusedPath,
    TooLarge,
}

/// <summary>One file and what is wrong with it.</summary>
public sealed record CheckpointProblem(string Path, CheckpointProblemKind Kind, string Reason)
{
    public override string ToString() => $"'{Path}': {Reason}";
}

/// <summary>
/// The store cannot be used as it is — for example the catalog is gone while checkpoint directories survive — or the
/// storage failed while reading it. Nothing was deleted.
/// </summary>
public sealed class CheckpointStoreException : CheckpointException
{
    public CheckpointStoreException(string message, IReadOnlyList<string> paths, Exception? innerException = null)
        : base(message, innerException)
    {
        Paths = paths;
    }

    /// <summary>The paths the message is about.</summary>
    public IReadOnlyList<string> Paths { get; }
}

/// <summary>An operator's state was asked for as one state type while the checkpoint holds another.</summary>
public sealed class CheckpointStateTypeMismatchException : CheckpointException
{
    public CheckpointStateTypeMismatchException(Guid checkpointId, string operatorId, string storedType, string requestedType)
        : base($"Operator '{operatorId}' of checkpoint {checkpointId:D} holds state of type '{storedType}', not '{requestedType}'.")
    {
        CheckpointId = checkpointId;
        OperatorId = operatorId;
        StoredType = storedType;
        RequestedType = requestedType;
    }

    public Guid CheckpointId { get; }

    public string OperatorId { get; }

    /// <summary>The state type name the file's header records.</summary>
    public string StoredType { get; }

    /// <summary>The state type name of the type asked for.</summary>
    public string RequestedType { get; }
}

/// <summary>
/// Another checkpointer holds the store's lock: one checkpointer owns a store at a time. <see cref="Holder"/> names
/// the holding process when its owner record could be read. The operating system releases the lock when that process
/// exits or dies.
/// </summary>
public sealed class CheckpointStoreLockedException : CheckpointException
{
    public CheckpointStoreLockedException(string storeDescription, StorageLockOwner? holder, Exception? innerException = null)
        : base(
            $"The checkpoint store {storeDescription} is in use by {(holder is null ? "another checkpointer (its owner record could not be read)" : holder.ToString())}. " +
            "One checkpointer owns a store at a time: stop that one first, or use another store.",
            innerException)
    {
        Holder = holder;
    }

    /// <summary>Who holds the store, if known.</summary>
    public StorageLockOwner? Holder { get; }
}

/// <summary>
/// This checkpointer no longer owns its store: a checkpointer opened after it bumped the catalog's writer epoch. Its
/// commit or collection was refused before the catalog was touched, and it refuses everything from now on.
/// </summary>
public sealed class CheckpointFencedException : CheckpointException
{
    public CheckpointFencedException(string storeDescription, long ownEpoch, long currentEpoch)
        : base($"This checkpointer (writer epoch {ownEpoch}) was fenced off {storeDescription}: a checkpointer opened later owns it now (writer epoch {currentEpoch}). Nothing was committed or deleted; reopen the store to continue from its catalog.")
    {
        OwnEpoch = ownEpoch;
        CurrentEpoch = currentEpoch;
    }

    /// <summary>The epoch this checkpointer took when it opened.</summary>
    public long OwnEpoch { get; }

    /// <summary>The epoch the catalog holds now.</summary>
    public long CurrentEpoch { get; }
}
