using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>
/// A backend that passes everything to <paramref name="inner"/> and counts the bytes read through it, so that a
/// verification can show how far it has got without the verifiers knowing about progress.
/// </summary>
internal sealed class CountingBackend(IStorageBackend inner) : IStorageBackend
{
    private long _bytesRead;

    /// <summary>Bytes returned by reads so far; safe to read from another thread.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public string Description => inner.Description;

    public ValueTask<PendingFile> CreateAsync(string path, CancellationToken cancellationToken = default) => inner.CreateAsync(path, cancellationToken);

    public ValueTask<PendingFile> CreateNewAsync(string path, CancellationToken cancellationToken = default) => inner.CreateNewAsync(path, cancellationToken);

    public ValueTask CreateDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.CreateDirectoryAsync(directory, cancellationToken);

    public ValueTask SyncDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.SyncDirectoryAsync(directory, cancellationToken);

    public async ValueTask<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        new CountingStream(await inner.OpenReadAsync(path, cancellationToken), this);

    public async ValueTask<byte[]> ReadAllBytesAsync(string path, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var bytes = await inner.ReadAllBytesAsync(path, maxBytes, cancellationToken);
        Add(bytes.Length);
        return bytes;
    }

    public ValueTask<StorageEntry?> GetEntryAsync(string path, CancellationToken cancellationToken = default) => inner.GetEntryAsync(path, cancellationToken);

    public ValueTask<IReadOnlyList<StorageEntry>> ListAsync(string directory, CancellationToken cancellationToken = default) => inner.ListAsync(directory, cancellationToken);

    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    public ValueTask<bool> DeleteDirectoryAsync(string directory, CancellationToken cancellationToken = default) => inner.DeleteDirectoryAsync(directory, cancellationToken);

    public ValueTask<StorageLock> AcquireLockAsync(string path, StorageLockOwner owner, CancellationToken cancellationToken = default) => inner.AcquireLockAsync(path, owner, cancellationToken);

    private void Add(long count) => Interlocked.Add(ref _bytesRead, count);

    /// <summary>Counts what is read through it; seeking back and reading again counts again, as it costs again.</summary>
    private sealed class CountingStream(Stream inner, CountingBackend owner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException("A stream opened for reading cannot be resized.");

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A stream opened for reading cannot be written.");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Counted(int read)
        {
            owner.Add(read);
            return read;
        }
    }
}
