using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Apache.Arrow;

namespace Bulwark.Arrow.Ipc;

/// <summary>
/// Reads the Arrow IPC file format through its footer, so any batch can be read by index. Every size and offset is
/// checked against the file before use; truncated, corrupt or hostile input raises <see cref="ArrowFormatException"/>
/// naming the source, the part, the byte offset and the reason. Not safe for concurrent use.
/// </summary>
public sealed class ArrowIpcFileReader : IAsyncDisposable
{
    private const int HeaderLength = 8;
    private const int TrailerLength = 10;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly IpcReaderCore _core;
    private readonly MessageReader _messages;
    private readonly FileBlock[] _batches;

    private ArrowIpcFileReader(Stream stream, bool leaveOpen, IpcReaderCore core, MessageReader messages, FileBlock[] batches)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _core = core;
        _messages = messages;
        _batches = batches;
    }

    public Schema Schema => _core.Schema;

    public int BatchCount => _batches.Length;

    /// <summary>
    /// Reads the footer, the schema and every dictionary. The stream must be readable and seekable and the file must
    /// start at position 0; once open, the reader disposes the stream unless <paramref name="leaveOpen"/>.
    /// <paramref name="sourceName"/> names the file in errors.
    /// </summary>
    /// <exception cref="ArrowFormatException">The file is not a valid Arrow IPC file (a Parquet file is named as one).</exception>
    public static async ValueTask<ArrowIpcFileReader> OpenAsync(Stream stream, string? sourceName = null, ArrowReadOptions? options = null, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("An Arrow IPC file is read through its footer; the stream must be readable and seekable.", nameof(stream));
        }

        options ??= ArrowReadOptions.Default;
        options.Validate();
        var context = new IpcContext("file", sourceName);
        var core = new IpcReaderCore(context, options);
        var messages = new MessageReader(stream, context, options, 0);
        var length = stream.Length;
        await FileMagic.ThrowIfParquetAsync(stream, sourceName, "an Arrow IPC file", cancellationToken).ConfigureAwait(false);
        if (length < HeaderLength + TrailerLength)
        {
            throw context.Error("file", 0, $"{length} bytes is too short for an Arrow IPC file (magic, footer and trailer need at least {HeaderLength + TrailerLength})");
        }

        messages.Seek(0);
        var header = await messages.ReadExactlyAsync(HeaderLength, "file header", cancellationToken).ConfigureAwait(false);
        if (!header.AsSpan(0, 6).SequenceEqual(IpcWriterCore.Magic))
        {
            throw context.Error("file header", 0, "the file does not start with the Arrow magic \"ARROW1\"");
        }

        messages.Seek(length - TrailerLength);
        var trailer = await messages.ReadExactlyAsync(TrailerLength, "file trailer", cancellationToken).ConfigureAwait(false);
        if (!trailer.AsSpan(4, 6).SequenceEqual(IpcWriterCore.Magic))
        {
            throw context.Error("file trailer", length - 6, "the file does not end with the Arrow magic \"ARROW1\" (truncated or not an Arrow file)");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(trailer);
        var footerLimit = length - TrailerLength - HeaderLength;
        if (footerLength <= 0 || footerLength > footerLimit || footerLength > options.MaxMetadataBytes)
        {
            throw context.Error("footer length", length - TrailerLength, $"footer length {footerLength} is outside 1..{Math.Min(footerLimit, options.MaxMetadataBytes)}");
        }

        var footerStart = length - TrailerLength - footerLength;
        messages.Seek(footerStart);
        var footerBytes = await messages.ReadExactlyAsync(footerLength, "footer", cancellationToken).ConfigureAwait(false);
        var footer = new FlatBufferReader(footerBytes, context, footerStart);
        var (schema, dictionaryVector, batchVector, version) = IpcMetadata.ReadFooter(footer, options);
        if (version is null)
        {
            await ExpectVersionedSchemaMessageAsync(context, messages, cancellationToken).ConfigureAwait(false);
        }

        core.SetSchema(schema, footerStart);
        var dictionaries = ReadBlocks(context, dictionaryVector, footerStart, "dictionary block");
        var batches = ReadBlocks(context, batchVector, footerStart, "record batch block");
        for (var i = 0; i < dictionaries.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var what = $"dictionary batch {i}";
            messages.Seek(dictionaries[i].Offset);
            var message = await messages.ReadAsync(what, dictionaries[i], cancellationToken).ConfigureAwait(false);
            core.ApplyDictionary(message!, what, allowReplacement: false);
        }

        return new ArrowIpcFileReader(stream, leaveOpen, core, messages, batches);
    }

    /// <summary>Batch <paramref name="index"/>; its arrays view pooled memory that disposing the batch returns.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="BatchCount"/>.</exception>
    /// <exception cref="ArrowFormatException">The batch is corrupt.</exception>
    public async ValueTask<RecordBatch> ReadBatchAsync(int index, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _batches.Length);
        var what = $"record batch {index}";
        var block = _batches[index];
        _messages.Seek(block.Offset);
        var message = await _messages.ReadAsync(what, block, cancellationToken).ConfigureAwait(false);
        return _core.DecodeRecordBatch(message!, what);
    }

    public async IAsyncEnumerable<RecordBatch> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < _batches.Length; i++)
        {
            yield return await ReadBatchAsync(i, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _leaveOpen ? ValueTask.CompletedTask : _stream.DisposeAsync();

    /// <summary>
    /// A footer without a version field reads as V1, yet some writers of the Arrow 0.14 era omitted the field while writing
    /// V4 messages. The file format repeats the schema as a stream message right after the magic; its own version
    /// decides, so a genuinely pre-V4 file is still refused.
    /// </summary>
    private static async ValueTask ExpectVersionedSchemaMessageAsync(IpcContext context, MessageReader messages, CancellationToken cancellationToken)
    {
        const string what = "schema message (the footer has no version)";
        messages.Seek(HeaderLength);
        var message = await messages.ReadAsync(what, null, cancellationToken).ConfigureAwait(false)
            ?? throw context.Error(what, HeaderLength, "the footer declares no metadata version and no schema message follows the magic to take it from");
        if (message.Message.Type != MessageHeaderType.Schema)
        {
            throw context.Error(what, HeaderLength, $"the footer declares no metadata version and the first message is a {message.Message.Type}, not a Schema");
        }
    }

    private static FileBlock[] ReadBlocks(IpcContext context, FbVector vector, long footerStart, string what)
    {
        var blocks = new FileBlock[vector.IsPresent ? vector.Count : 0];
        for (var i = 0; i < blocks.Length; i++)
        {
            var block = IpcMetadata.ReadBlock(vector, i);
            var metadataEnd = block.Offset + block.MetadataLength;
            if (block.Offset < HeaderLength || block.Offset > footerStart || block.MetadataLength < 8 || block.BodyLength < 0
                || block.MetadataLength > footerStart - block.Offset || block.BodyLength > footerStart - metadataEnd)
            {
                throw context.Error(
                    $"footer {what} {i}",
                    footerStart,
                    $"block [offset {block.Offset}, metaDataLength {block.MetadataLength}, bodyLength {block.BodyLength}] does not lie within the {footerStart} bytes before the footer");
            }

            blocks[i] = block;
        }

        return blocks;
    }
}

/// <summary>
/// Reads the Arrow IPC stream format message by message: schema, dictionary batches (later ones replace earlier ones
/// for the same id) and record batches, until the end-of-stream marker or the end of the source. Works on unseekable
/// streams; sizes are checked before anything is allocated. Not safe for concurrent use.
/// </summary>
public sealed class ArrowIpcStreamReader : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly IpcReaderCore _core;
    private readonly MessageReader _messages;
    private Schema? _schema;
    private int _batchIndex;
    private int _messageIndex;
    private bool _ended;

    private ArrowIpcStreamReader(Stream stream, string? sourceName, ArrowReadOptions? options, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(stream));
        }

        options ??= ArrowReadOptions.Default;
        options.Validate();
        _stream = stream;
        _leaveOpen = leaveOpen;
        var context = new IpcContext("stream", sourceName);
        _core = new IpcReaderCore(context, options);
        _messages = new MessageReader(stream, context, options, stream.CanSeek ? stream.Position : 0);
    }

    /// <summary>The schema, read by <see cref="OpenAsync"/> (the only way to get a reader, so it is always set).</summary>
    public Schema Schema => _schema!;

    /// <summary>
    /// Reads the schema message from the stream's current position. The stream must be readable (it need not be
    /// seekable); once open, the reader disposes the stream unless <paramref name="leaveOpen"/>.
    /// <paramref name="sourceName"/> names the stream in errors.
    /// </summary>
    /// <exception cref="ArrowFormatException">The stream does not start with a valid schema message (a Parquet file is named as one).</exception>
    public static async ValueTask<ArrowIpcStreamReader> OpenAsync(Stream stream, string? sourceName = null, ArrowReadOptions? options = null, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        var reader = new ArrowIpcStreamReader(stream, sourceName, options, leaveOpen);
        await reader.ReadSchemaAsync(cancellationToken).ConfigureAwait(false);
        return reader;
    }

    private async ValueTask<Schema> ReadSchemaAsync(CancellationToken ct)
    {
        if (_schema is not null)
        {
            return _schema;
        }

        var context = _core.Context;
        var message = await _messages.ReadAsync("schema message", null, ct).ConfigureAwait(false)
            ?? throw context.Error("schema message", _messages.Position, "the stream ends before its schema");
        _messageIndex++;
        if (message.Message.Type != MessageHeaderType.Schema)
        {
            throw context.Error("schema message", message.Offset, $"the first message is a {message.Message.Type}, not a Schema");
        }

        var schema = IpcMetadata.ReadSchema(message.Message.Header, _core.Options);
        _core.SetSchema(schema, message.Offset);
        _schema = schema.Schema;
        return _schema;
    }

    /// <summary>
    /// The next record batch, or null at the end-of-stream marker or the end of the source. Its arrays view pooled
    /// memory that disposing the batch returns.
    /// </summary>
    /// <exception cref="ArrowFormatException">A message is truncated, corrupt or out of place.</exception>
    public async ValueTask<RecordBatch?> ReadNextBatchAsync(CancellationToken ct = default)
    {
        await ReadSchemaAsync(ct).ConfigureAwait(false);
        while (!_ended)
        {
            var what = $"message {_messageIndex}";
            var message = await _messages.ReadAsync(what, null, ct).ConfigureAwait(false);
            _messageIndex++;
            if (message is null)
            {
                _ended = true;
                break;
            }

            switch (message.Message.Type)
            {
                case MessageHeaderType.DictionaryBatch:
                    _core.ApplyDictionary(message, $"{what} (dictionary batch)", allowReplacement: true);
                    break;
                case MessageHeaderType.RecordBatch:
                    return _core.DecodeRecordBatch(message, $"record batch {_batchIndex++} ({what})");
                default:
                    throw _core.Context.Error(what, message.Offset, $"unexpected {message.Message.Type} message after the schema");
            }
        }

        return null;
    }

    public ValueTask DisposeAsync() => _leaveOpen ? ValueTask.CompletedTask : _stream.DisposeAsync();
}
