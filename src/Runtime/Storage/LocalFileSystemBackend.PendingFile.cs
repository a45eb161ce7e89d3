using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Storage;

// The pending file: a temporary in the target directory, fsynced, then renamed (or linked) into place.
public sealed partial class LocalFileSystemBackend
{
    private sealed class LocalPendingFile : PendingFile
    {
        private readonly LocalFileSystemBackend backend;
        private readonly string temporary;
        private readonly FileStream file;
        private readonly bool noReplace;
        private Stream stream;
        private bool failed;
        private bool disposed;

        public LocalPendingFile(LocalFileSystemBackend backend, string path, string temporary, FileStream file, bool noReplace)
            : base(path)
        {
            this.backend = backend;
            this.noReplace = noReplace;
            this.temporary = temporary;
            this.file = file;
            stream = file;
        }

        public override Stream Stream => stream;

        /// <remarks>
        /// A commit that failed cannot be retried: after a failed fsync Linux may already have dropped the dirty pages,
        /// so a second fsync could report success for bytes that never reached the disk. Write the file again instead.
        /// </remarks>
        public override async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(disposed && !IsCommitted, this);
            if (IsCommitted)
            {
                throw PendingFileRefusals.AlreadyCommitted(Path);
            }

            if (failed)
            {
                throw PendingFileRefusals.CommitFailedBefore(Path);
            }

            cancellationToken.ThrowIfCancellationRequested();
            failed = true;
            long length;
            try
            {
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                backend.instruments.FileSynced();
                length = file.Length;
                await file.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                throw backend.Failed("flush", Path, exception);
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Checked again: a link planted since CreateAsync must not redirect the rename outside the root.
            var full = backend.Resolve(Path, Path);
            try
            {
                if (!noReplace)
                {
                    File.Move(temporary, full, overwrite: true);
                }
                else if (!TryPublishNew(full, out var temporaryNotRemoved))
                {
                    // Still "failed": the temporary is deleted on dispose and the commit cannot be retried.
                    throw Directory.Exists(full) ? StorageNames.IsDirectory(Path, backend.Description) : new StorageFileExistsException(Path, backend.Description);
                }
                else if (temporaryNotRemoved is not null)
                {
                    StorageLog.PublishedTemporaryNotRemoved(backend.logger, temporaryNotRemoved, temporary, Path, backend.Description);
                }
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                throw backend.Failed("rename into place", Path, exception);
            }

            failed = false;
            IsCommitted = true;
            stream = new ClosedPendingStream(Path, length, committed: true);
            backend.MarkDirty(StoragePath.GetDirectory(Path));
            backend.instruments.Committed(length);
            StorageLog.Committed(backend.logger, Path, length, backend.Description);
        }

        private bool TryPublishNew(string full, out IOException? temporaryNotRemoved)
        {
            temporaryNotRemoved = null;
            if (!OperatingSystem.IsWindows())
            {
                return NoReplaceRename.TryLink(backend.SystemCalls, temporary, full, out temporaryNotRemoved);
            }

            try
            {
                File.Move(temporary, full, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(full) || Directory.Exists(full))
            {
                return false;
            }
        }

        public override async ValueTask DisposeAsync()
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            if (IsCommitted)
            {
                return;
            }

            long length = 0;
            try
            {
                length = file.CanSeek ? file.Length : 0;
                await file.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                // The bytes are being discarded; a flush error while closing changes nothing.
            }

            stream = new ClosedPendingStream(Path, length, committed: false);
            try
            {
                File.Delete(temporary);
            }
            catch (Exception exception) when (IsIoFailure(exception))
            {
                // Disposal runs on error paths too; throwing here would hide the error that abandoned the file.
                StorageLog.TemporaryNotDeleted(backend.logger, exception, temporary, Path, backend.Description);
            }
        }
    }
}
