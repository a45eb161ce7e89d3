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
    private readonly Func<bool> _closed;

    /// <param name="current">The stream written to, asked for on every call.</param>
    /// <param name="beforeWrite">Sees every write first; it throws to refuse one.</param>
    /// <param name="closed">True once the pending file is committed or disposed, for a backend that keeps writing
    /// into one buffer and refuses in <paramref name="beforeWrite"/>: the stream then says it takes no writes.</param>
    public ObservedWriteStream(Func<Stream> current, Action<ReadOnlyMemory<byte>> beforeWrite, Func<bool>? closed = null)
    {
        _current = current;
        _beforeWrite = beforeWrite;
        _closed = closed ?? (static () => false);
    }

    private Stream Inner => _current();

    public override bool CanRead => false;

    public override bool CanSeek => !_closed() && Inner.CanSeek;

    public override bool CanWrite => !_closed() && Inner.CanWrite;

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
