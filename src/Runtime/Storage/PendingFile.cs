namespace Bulwark.Storage;

/// <summary>
/// A file being written. Its bytes live in a temporary sibling until <see cref="CommitAsync"/> flushes them to
/// stable storage and renames the file into place (marking the parent directory dirty: call
/// <see cref="IStorageBackend.SyncDirectoryAsync"/> to make the rename durable). Disposing a pending file that was
/// not committed deletes the temporary and publishes nothing.
/// </summary>
[MustCommit]
public abstract class PendingFile : IAsyncDisposable
{
    protected PendingFile(string path) => Path = path;

    /// <summary>The final, normalized path the file is published under.</summary>
    public string Path { get; }

    /// <summary>True once <see cref="CommitAsync"/> has succeeded.</summary>
    public bool IsCommitted { get; protected set; }

    /// <summary>The writable stream over the temporary file. Do not dispose it; dispose or commit the pending file.</summary>
    public abstract Stream Stream { get; }

    /// <summary>Bytes written so far.</summary>
    public long Length => Stream.Length;

    public void Write(ReadOnlySpan<byte> bytes) => Stream.Write(bytes);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) => Stream.WriteAsync(bytes, cancellationToken);

    /// <summary>Flushes the bytes to stable storage and renames the file into place. Fails if called twice.</summary>
    public abstract ValueTask CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the temporary if the file was not committed.</summary>
    public abstract ValueTask DisposeAsync();
}
