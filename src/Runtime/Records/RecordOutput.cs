using Bulwark.Storage;

namespace Bulwark.Records;

/// <summary>
/// Where a record writer's bytes go and how they are published, the same for every file format: a local path (a
/// temporary sibling renamed into place), a <see cref="PendingFile"/> in an <see cref="IStorageBackend"/> (committed,
/// then its directory synced) or a caller's stream (nothing to publish).
/// </summary>
internal sealed class RecordOutput
{
    private readonly AtomicLocalFile? _file;
    private readonly IStorageBackend? _storage;
    private readonly PendingFile? _pending;
    private readonly bool _leaveOpen;

    private RecordOutput(Stream stream, string description, AtomicLocalFile? file, IStorageBackend? storage, PendingFile? pending, bool leaveOpen)
    {
        Stream = stream;
        Description = description;
        _file = file;
        _storage = storage;
        _pending = pending;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The stream the format writes to; the format writer leaves it open, this output closes it.</summary>
    public Stream Stream { get; }

    /// <summary>The output as log messages name it: "'data/x.arrow'", "'x.parquet' in local directory '/d'", "a MemoryStream".</summary>
    public string Description { get; }

    /// <summary>
    /// Appends every record to <paramref name="writer"/>, completes it and disposes it: the whole-collection writes of
    /// the format facades. A failure leaves the output abandoned (nothing published), as disposing an uncompleted writer does.
    /// </summary>
    public static async Task WriteAllAsync<T>(BatchingRecordWriter<T> writer, IEnumerable<T> records, CancellationToken cancellationToken)
        where T : IArrowRecord<T>
    {
        await using (writer.ConfigureAwait(false))
        {
            await writer.AppendRangeAsync(records, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A writer over a temporary sibling of <paramref name="path"/>; if <paramref name="create"/> fails, the temporary
    /// is deleted before the error goes on.
    /// </summary>
    public static TWriter CreateWriter<TWriter>(string path, Func<RecordOutput, TWriter> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = AtomicLocalFile.Create(path);
        var output = new RecordOutput(file.Stream, $"'{path}'", file, storage: null, pending: null, leaveOpen: false);
        try
        {
            return create(output);
        }
        catch
        {
            file.AbandonAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>A writer over a caller's stream, closed on release unless <paramref name="leaveOpen"/>.</summary>
    public static TWriter CreateWriter<TWriter>(Stream stream, bool leaveOpen, Func<RecordOutput, TWriter> create)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var description = stream is FileStream named ? $"'{named.Name}'" : $"a {stream.GetType().Name}";
        return create(new RecordOutput(stream, description, file: null, storage: null, pending: null, leaveOpen));
    }

    /// <summary>
    /// A writer over a new <see cref="PendingFile"/> at <paramref name="path"/> in <paramref name="storage"/>; if
    /// <paramref name="create"/> fails, the pending file is disposed (and so discarded) before the error goes on.
    /// </summary>
    public static async ValueTask<TWriter> CreateWriterAsync<TWriter>(IStorageBackend storage, string path, Func<RecordOutput, TWriter> create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var pending = await storage.CreateAsync(path, cancellationToken).ConfigureAwait(false);
        var output = new RecordOutput(pending.Stream, $"'{path}' in {storage.Description}", file: null, storage, pending, leaveOpen: true);
        try
        {
            return create(output);
        }
        catch
        {
            await pending.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A readable, seekable stream over <paramref name="path"/> in <paramref name="storage"/>: the backend's own when
    /// it seeks, else a copy in memory (both readers seek to the footer or back to the start after sniffing).
    /// </summary>
    public static async ValueTask<Stream> OpenSeekableAsync(IStorageBackend storage, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = await storage.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (stream.CanSeek)
        {
            return stream;
        }

        await using (stream.ConfigureAwait(false))
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.Position = 0;
            return copy;
        }
    }

    /// <summary>Makes the finished bytes visible under their final name (nothing to do for a caller's stream).</summary>
    public async ValueTask PublishAsync(CancellationToken cancellationToken)
    {
        if (_pending is not null && _storage is not null)
        {
            await _pending.CommitAsync(cancellationToken).ConfigureAwait(false);
            await _storage.SyncDirectoryAsync(StoragePath.GetDirectory(_pending.Path), cancellationToken).ConfigureAwait(false);
        }
        else if (_file is not null)
        {
            await _file.PublishAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the output; one that was not <paramref name="published"/> is abandoned (temporary deleted, pending file discarded).</summary>
    public async ValueTask ReleaseAsync(bool published)
    {
        if (_pending is not null)
        {
            await _pending.DisposeAsync().ConfigureAwait(false);
        }
        else if (_file is not null)
        {
            if (!published)
            {
                await _file.AbandonAsync().ConfigureAwait(false);
            }
        }
        else if (!_leaveOpen)
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
