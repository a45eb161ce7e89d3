using Bulwark.Storage;

namespace Bulwark.Testing;

/// <summary>The kinds of backend operation that the fault-injecting and crash-simulating backends trace and can fail.</summary>
public enum StorageOperationKind
{
    /// <summary><see cref="IStorageBackend.CreateAsync"/>: a pending file is started.</summary>
    Create,

    /// <summary>A write to a pending file's stream.</summary>
    Write,

    /// <summary>The flush (fsync) step of <see cref="PendingFile.CommitAsync"/>.</summary>
    Flush,

    /// <summary>The rename step of <see cref="PendingFile.CommitAsync"/>: the file is published under its final path.</summary>
    Rename,

    /// <summary><see cref="IStorageBackend.SyncDirectoryAsync"/>.</summary>
    SyncDirectory,

    /// <summary>A directory entry is created (<see cref="IStorageBackend.CreateDirectoryAsync"/> or a missing parent of a created file).</summary>
    CreateDirectory,

    /// <summary><see cref="IStorageBackend.DeleteAsync"/>.</summary>
    Delete,

    /// <summary><see cref="IStorageBackend.DeleteDirectoryAsync"/>.</summary>
    DeleteDirectory,

    /// <summary><see cref="IStorageBackend.ListAsync"/>.</summary>
    List,

    /// <summary><see cref="IStorageBackend.OpenReadAsync"/> or <see cref="IStorageBackend.ReadAllBytesAsync"/>.</summary>
    Read,

    /// <summary><see cref="IStorageBackend.GetEntryAsync"/>.</summary>
    GetEntry,

    /// <summary><see cref="IStorageBackend.AcquireLockAsync"/>.</summary>
    Lock,
}

/// <summary>One traced backend operation.</summary>
/// <param name="Sequence">The zero-based position in the trace.</param>
/// <param name="Kind">What was done.</param>
/// <param name="Path">The normalized path it was done to ("" is the root).</param>
public sealed record StorageOperation(int Sequence, StorageOperationKind Kind, string Path)
{
    /// <summary>
    /// For <see cref="StorageOperationKind.Write"/> the bytes written; for <see cref="StorageOperationKind.Flush"/> and
    /// <see cref="StorageOperationKind.Rename"/> the whole file content. Empty for other kinds.
    /// </summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>True for operations that change what is stored (the ones a crash can lose).</summary>
    public bool IsMutation => Kind is StorageOperationKind.Create or StorageOperationKind.Write or StorageOperationKind.Flush
        or StorageOperationKind.Rename or StorageOperationKind.SyncDirectory or StorageOperationKind.CreateDirectory
        or StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory;

    /// <summary>The operation as "#sequence Kind 'path'", with the byte count when it carries data.</summary>
    public override string ToString() => Data.IsEmpty ? $"#{Sequence} {Kind} '{Path}'" : $"#{Sequence} {Kind} '{Path}' ({Data.Length} bytes)";
}
