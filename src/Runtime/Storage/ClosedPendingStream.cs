namespace Bulwark.Storage;

/// <summary>
/// What <see cref="PendingFile.Stream"/> returns once the file was committed or abandoned: the length stays readable
/// (callers record committed sizes in manifests), while every write fails instead of touching a published file.
/// </summary>
internal sealed class ClosedPendingStream : Stream
{
    private readonly string path;
    private readonly bool committed;

    public ClosedPendingStream(string path, long length, bool committed)
    {
        this.path = path;
        Length = length;
        this.committed = committed;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => Length;
        set => throw Closed();
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw Closed();

    public override long Seek(long offset, SeekOrigin origin) => throw Closed();

    public override void SetLength(long value) => throw Closed();

    public override void Write(byte[] buffer, int offset, int count) => throw Closed();

    public override void Write(ReadOnlySpan<byte> buffer) => throw Closed();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => throw Closed();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw Closed();

    private InvalidOperationException Closed() =>
        committed ? PendingFileRefusals.WrittenAfterCommit(path) : PendingFileRefusals.WrittenAfterDispose(path);
}
