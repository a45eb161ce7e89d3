using Bulwark.Storage;

namespace Bulwark.Testing;

public sealed partial class CrashSimulatingBackend
{
    /// <summary>
    /// A pending file in the model: its writes are traced (a torn write is a prefix of them), its commit is a traced
    /// flush and a traced rename that publishes the bytes. Its refusals are the runtime backends': a commit is tried
    /// once, a disposed file cannot be committed, and a committed or disposed file takes no more writes.
    /// </summary>
    private sealed class CrashPendingFile : PendingFile
    {
        private readonly CrashSimulatingBackend _owner;
        private readonly MemoryStream _buffer = new();
        private readonly ObservedWriteStream _stream;
        private readonly bool _noReplace;
        private bool _disposed;
        private bool _failed;

        public CrashPendingFile(CrashSimulatingBackend owner, string path, bool noReplace)
            : base(path)
        {
            _owner = owner;
            _noReplace = noReplace;
            _stream = new ObservedWriteStream(() => _buffer, bytes =>
            {
                if (IsClosed)
                {
                    throw IsCommitted ? PendingFileRefusals.WrittenAfterCommit(Path)
                        : _disposed ? PendingFileRefusals.WrittenAfterDispose(Path)
                        : PendingFileRefusals.CommitFailedBefore(Path);
                }

                lock (_owner._lock)
                {
                    _owner.Record(StorageOperationKind.Write, Path, bytes.ToArray());
                }
            }, () => IsClosed);
        }

        public override Stream Stream => _stream;

        private bool IsClosed => IsCommitted || _disposed || _failed;

        public override ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed && !IsCommitted, this);
            if (IsCommitted)
            {
                throw PendingFileRefusals.AlreadyCommitted(Path);
            }

            if (_failed)
            {
                throw PendingFileRefusals.CommitFailedBefore(Path);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var content = _buffer.ToArray();
            lock (_owner._lock)
            {
                // Every refusal below leaves the file failed: like the runtime backends, a commit is not retried.
                _failed = true;
                var parent = StoragePath.GetDirectory(Path);
                if (parent.Length > 0 && !(_owner._model.Visible.TryGetValue(parent, out var dir) && dir is null))
                {
                    throw new StorageException($"Cannot rename '{Path}' into place in {_owner.Description}: its directory was deleted after the file was created.");
                }

                if (_owner._model.Visible.TryGetValue(Path, out var existing) && existing is null)
                {
                    throw _owner.IsDirectory(Path);
                }

                _owner.Record(StorageOperationKind.Flush, Path, content);
                if (_noReplace && _owner._model.Visible.TryGetValue(Path, out var taken) && taken is not null)
                {
                    // link(2) failing with EEXIST: the flushed temporary is left unpublished, the existing file untouched.
                    throw new StorageFileExistsException(Path, _owner.Description);
                }

                var rename = _owner.Record(StorageOperationKind.Rename, Path, content);
                _owner._model.Publish(Path, content, rename.Sequence);
                _failed = false;
            }

            IsCommitted = true;
            return ValueTask.CompletedTask;
        }

        public override ValueTask DisposeAsync()
        {
            _disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
