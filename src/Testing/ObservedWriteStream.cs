namespace Bulwark.Testing;

/// <summary>
/// A stream over a pending file that reports every write before passing it on, so a backend can trace or fail it. The
/// stream written to is asked for on every call: a backend may swap a pending file's stream once it is committed or
/// disposed (for one that refuses writes), and the observer must follow, not keep writing into the old buffer.
/// </summary>
internal sealed class ObservedWriteStream : Stream
{
    private readonly Func<Stream> _current;
    private readonly Action<ReadOnlyMemory<byte>> _beforeWrite;

    public ObservedWriteStream(Func<Stream> current, Action<ReadOnlyMemory<byte>> beforeWrite)
    {
        _current = current;
        _beforeWrite = beforeWrite;
    }

    private Stream Inner => _current();

    public override bool CanRead => false;

    public override bool CanSeek => Inner.CanSeek;

    public override bool CanWrite => Inner.CanWrite;

    public override long Length => Inner.Length;

    public override long Position
    {
        get => Inner.Position;
        set => Inner.Position = value;
    }

    public override void Flush() => Inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A pending file is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);

    public override void SetLength(long value) => Inner.SetLength(value);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _beforeWrite(buffer.ToArray());
        Inner.Write(buffer);
    }

    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _beforeWrite(buffer);
        return Inner.WriteAsync(buffer, cancellationToken);
    }
}
