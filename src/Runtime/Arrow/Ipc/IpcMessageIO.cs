using System.Buffers;
using System.Buffers.Binary;

namespace Bulwark.Arrow.Ipc;

/// <summary>A framed message read from a source: its decoded envelope, the metadata flatbuffer and the body bytes.</summary>
internal sealed class RawMessage
{
    public required long Offset { get; init; }

    public required FlatBufferReader Metadata { get; init; }

    public required IpcMessage Message { get; init; }

    public required long BodyOffset { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The pooled array behind <see cref="Body"/>, when it is rented; whoever takes the body returns it.</summary>
    public byte[]? RentedBody { get; init; }
}

/// <summary>
/// Reads encapsulated messages (<c>FF FF FF FF</c>, int32 metadata size, Message flatbuffer, body), and the legacy
/// framing of Arrow 0.14 and earlier that has the int32 size without the marker. Every declared size
/// is checked against the configured limits and, for seekable sources, against the bytes that remain before anything is
/// allocated; unseekable sources are read in growing chunks so memory follows the bytes that actually arrive.
/// </summary>
internal sealed class MessageReader
{
    private const int ChunkSize = 4096;

    private readonly Stream _stream;
    private readonly IpcContext _context;
    private readonly ArrowReadOptions _options;
    private readonly byte[] _prefix = new byte[8];
    private bool _first = true;

    public MessageReader(Stream stream, IpcContext context, ArrowReadOptions options, long position)
    {
        _stream = stream;
        _context = context;
        _options = options;
        Position = position;
    }

    /// <summary>The absolute offset of the next byte to be read.</summary>
    public long Position { get; private set; }

    public void Seek(long position)
    {
        _stream.Seek(position, SeekOrigin.Begin);
        Position = position;
    }

    private long? Remaining => _stream.CanSeek ? Math.Max(0, _stream.Length - Position) : null;

    /// <summary>
    /// Reads the next message, or returns null at an end-of-stream marker or a clean end of the source. With
    /// <paramref name="block"/> the message must fit the file footer's description of it.
    /// </summary>
    public async ValueTask<RawMessage?> ReadAsync(string what, FileBlock? block, CancellationToken cancellationToken)
    {
        var start = Position;
        var got = await ReadUpToAsync(_prefix.AsMemory(0, 4), cancellationToken).ConfigureAwait(false);
        if (got == 0 && block is null)
        {
            return null;
        }

        if (got < 4)
        {
            throw _context.Error(what, start, $"truncated: the message prefix needs 4 bytes, {got} remain");
        }

        var first = _first;
        _first = false;
        if (block is null && first && FileMagic.IsParquet(_prefix.AsSpan(0, 4)))
        {
            throw new ArrowFormatException(FileMagic.ParquetNotArrow(_context.SourceName, "it starts with PAR1", "an Arrow IPC stream"));
        }

        if (block is null && _prefix.AsSpan(0, 4).SequenceEqual("ARRO"u8))
        {
            throw _context.Error(what, start, "the data starts with the Arrow file magic \"ARROW1\"; read it with ArrowIpcFileReader, not as a stream");
        }

        var prefixLength = 4;
        var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(_prefix);
        if (metadataLength == -1)
        {
            got = await ReadUpToAsync(_prefix.AsMemory(4, 4), cancellationToken).ConfigureAwait(false);
            if (got < 4)
            {
                throw _context.Error(what, start, $"truncated: the message length needs 4 bytes after the continuation marker, {got} remain");
            }

            prefixLength = 8;
            metadataLength = BinaryPrimitives.ReadInt32LittleEndian(_prefix.AsSpan(4));
        }

        if (metadataLength == 0)
        {
            if (block is not null)
            {
                throw _context.Error(what, start, "the footer points at an end-of-stream marker, not a message");
            }

            return null;
        }

        if (metadataLength < 0)
        {
            throw _context.Error(what, start, $"metadata length {metadataLength} is negative");
        }

        if (metadataLength > _options.MaxMetadataBytes)
        {
            throw _context.Error(what, start, $"metadata length {metadataLength} exceeds the {_options.MaxMetadataBytes}-byte limit (ArrowReadOptions.MaxMetadataBytes)");
        }

        if (block is { } b && prefixLength + (long)metadataLength > b.MetadataLength)
        {
            throw _context.Error(what, start, $"the message metadata ({prefixLength} + {metadataLength} bytes) is longer than the footer's metaDataLength {b.MetadataLength}");
        }

        var metadataOffset = Position;
        var metadata = await ReadExactlyAsync(metadataLength, what + " metadata", cancellationToken).ConfigureAwait(false);
        var reader = new FlatBufferReader(metadata, _context, metadataOffset);
        var message = IpcMetadata.ReadMessage(reader);
        if (block is { } fileBlock)
        {
            if (message.BodyLength != fileBlock.BodyLength)
            {
                throw _context.Error(what, start, $"the message body length {message.BodyLength} disagrees with the footer's {fileBlock.BodyLength}");
            }

            // The footer's metaDataLength includes padding after the flatbuffer; the body starts after it.
            var bodyStart = fileBlock.Offset + fileBlock.MetadataLength;
            if (bodyStart != Position)
            {
                Seek(bodyStart);
            }
        }

        if (message.BodyLength > _options.MaxBodyBytes)
        {
            throw _context.Error(what, Position, $"body length {message.BodyLength} exceeds the {_options.MaxBodyBytes}-byte limit (ArrowReadOptions.MaxBodyBytes)");
        }

        var bodyOffset = Position;

        // A record batch body is rented: the batch built over it returns it when disposed, as Apache's readers free
        // theirs, so a scan does not allocate (and later collect) a large object per batch. Other bodies, dictionaries
        // above all, live as long as the reader and stay plain arrays.
        var rent = message.Type == MessageHeaderType.RecordBatch;
        var body = await ReadExactlyAsync(message.BodyLength, what + " body", rent, cancellationToken).ConfigureAwait(false);
        return new RawMessage
        {
            Offset = start,
            Metadata = reader,
            Message = message,
            BodyOffset = bodyOffset,
            Body = body.AsMemory(0, (int)message.BodyLength),
            RentedBody = rent && body.Length > 0 ? body : null,
        };
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, failing before allocation when the source cannot hold them.</summary>
    public ValueTask<byte[]> ReadExactlyAsync(long count, string what, CancellationToken cancellationToken) =>
        ReadExactlyAsync(count, what, rent: false, cancellationToken);

    /// <summary>
    /// With <paramref name="rent"/> the array comes from the shared pool and may be longer than
    /// <paramref name="count"/>; only the first <paramref name="count"/> bytes are read.
    /// </summary>
    private async ValueTask<byte[]> ReadExactlyAsync(long count, string what, bool rent, CancellationToken cancellationToken)
    {
        var start = Position;
        if (count == 0)
        {
            return Array.Empty<byte>();
        }

        if (count > Array.MaxLength)
        {
            throw _context.Error(what, start, $"{count} bytes declared, more than one buffer can hold");
        }

        if (Remaining is { } remaining && count > remaining)
        {
            throw _context.Error(what, start, $"truncated: {count} bytes declared but only {remaining} remain");
        }

        var size = (int)count;
        var capacity = _stream.CanSeek ? size : Math.Min(size, ChunkSize);
        var buffer = Allocate(capacity, rent);
        var filled = 0;
        try
        {
            while (filled < size)
            {
                if (filled == capacity)
                {
                    // Unknown remaining length: grow geometrically so a lying length costs at most twice what arrived.
                    capacity = (int)Math.Min(size, (long)capacity * 2);
                    var next = Allocate(capacity, rent);
                    buffer.AsSpan(0, filled).CopyTo(next);
                    Release(buffer, rent);
                    buffer = next;
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(filled, capacity - filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw _context.Error(what, start, $"truncated: {count} bytes declared but only {filled} remain");
                }

                filled += read;
                Position += read;
            }
        }
        catch
        {
            Release(buffer, rent);
            throw;
        }

        return buffer;
    }

    private static byte[] Allocate(int length, bool rent) => rent ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];

    private static void Release(byte[] buffer, bool rent)
    {
        if (rent)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask<int> ReadUpToAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            var read = await _stream.ReadAsync(destination[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
            Position += read;
        }

        return filled;
    }
}

/// <summary>
/// Writes encapsulated messages and counts the bytes written, so blocks can be recorded on unseekable streams. On a
/// seekable <see cref="FileStream"/> a large message (frame, padding and every body buffer) goes to the file in one
/// gathered write (<see cref="RandomAccess.WriteAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, IReadOnlyList{ReadOnlyMemory{byte}}, long, CancellationToken)"/>,
/// pwritev on Unix) instead of one write per buffer: a record batch's body is a dozen buffers or more, each too large
/// for the stream's buffer, so each was a system call of its own, and with an asynchronous stream a thread-pool hop.
/// </summary>
internal sealed class MessageWriter
{
    // Messages smaller than this go through the stream's own buffering: for them one gathered write saves nothing.
    private const int GatherThreshold = 64 * 1024;

    private static readonly byte[] Zeros = new byte[BodyLayout.BufferAlignment];

    private readonly Stream _stream;
    private readonly FileStream? _file;
    private readonly List<ReadOnlyMemory<byte>> _pieces = new();

    public MessageWriter(Stream stream, long position)
    {
        _stream = stream;
        _file = stream.GetType() == typeof(FileStream) && stream.CanSeek ? (FileStream)stream : null;
        Position = position;
    }

    public long Position { get; private set; }

    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        Position += bytes.Length;
    }

    /// <summary>Writes the prefix, the finished flatbuffer padded to 8 bytes, and the body; returns the file block.</summary>
    public async ValueTask<FileBlock> WriteMessageAsync(FlatBufferBuilder builder, BodyLayout? body, CancellationToken cancellationToken)
    {
        var start = Position;
        var flatbuffer = builder.WrittenMemory;
        var padded = (flatbuffer.Length + 7) & ~7;
        var framedLength = 8 + padded;
        var frame = ArrayPool<byte>.Shared.Rent(framedLength);
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(frame, -1);
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), padded);
            flatbuffer.Span.CopyTo(frame.AsSpan(8));
            frame.AsSpan(8 + flatbuffer.Length, padded - flatbuffer.Length).Clear();

            // The message as the pieces it is written from: frame, then each buffer after the padding that aligns it.
            _pieces.Clear();
            _pieces.Add(frame.AsMemory(0, framedLength));
            long bodyLength = 0;
            if (body is not null)
            {
                var written = 0L;
                foreach (var buffer in body.Buffers)
                {
                    AddPadding(buffer.Offset - written);
                    if (!buffer.Memory.IsEmpty)
                    {
                        _pieces.Add(buffer.Memory);
                    }

                    written = buffer.Offset + buffer.Memory.Length;
                }

                AddPadding(body.BodyLength - written);
                bodyLength = body.BodyLength;
            }

            await WritePiecesAsync(framedLength + bodyLength, cancellationToken).ConfigureAwait(false);
            return new FileBlock(start, framedLength, bodyLength);
        }
        finally
        {
            _pieces.Clear();
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private void AddPadding(long count)
    {
        while (count > 0)
        {
            var chunk = (int)Math.Min(count, Zeros.Length);
            _pieces.Add(Zeros.AsMemory(0, chunk));
            count -= chunk;
        }
    }

    private async ValueTask WritePiecesAsync(long total, CancellationToken cancellationToken)
    {
        if (_file is not null && total >= GatherThreshold)
        {
            // What the stream still buffers goes to the file first, so its position is where the message belongs.
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            var offset = _file.Position;
            await RandomAccess.WriteAsync(_file.SafeFileHandle, _pieces, offset, cancellationToken).ConfigureAwait(false);
            _file.Position = offset + total;
            Position += total;
            return;
        }

        foreach (var piece in _pieces)
        {
            await WriteRawAsync(piece, cancellationToken).ConfigureAwait(false);
        }
    }
}
