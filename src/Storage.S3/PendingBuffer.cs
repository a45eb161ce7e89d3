namespace Bulwark.Storage.S3;

/// <summary>
/// The write-only stream of an S3 pending file: bytes stay in memory up to a limit, then move to a temporary file that
/// the operating system deletes when it is closed. Sealed for the upload at commit; once committed or abandoned its
/// length stays readable and every write fails, as with the runtime's backends.
/// </summary>
internal sealed class PendingBuffer : Stream
{
    private readonly string path;
    private readonly int memoryLimit;
    private readonly string temporaryDirectory;
    private MemoryStream? memory = new();
    private FileStream? file;
    private long length;
    private State state;

    public PendingBuffer(string path, int memoryLimit, string temporaryDirectory)
    {
        this.path = path;
        this.memoryLimit = memoryLimit;
        this.temporaryDirectory = temporaryDirectory;
    }

    private enum State
    {
        Open,
        Sealed,
        Committed,
        Failed,
        Abandoned,
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => state == State.Open;

    public override long Length => length;

    public override long Position
    {
        get => length;
        set => throw new NotSupportedException("A pending file is written front to back.");
    }

    /// <summary>True once the bytes moved from memory to a temporary file.</summary>
    public bool IsOnDisk => file is not null;

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A pending file is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A pending file is written front to back.");

    public override void SetLength(long value) => throw new NotSupportedException("A pending file is written front to back.");

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RequireOpen();
        if (buffer.IsEmpty)
        {
            return;
        }

        if (memory is not null && memory.Length + buffer.Length > memoryLimit)
        {
            SpillToFile();
        }

        if (memory is not null)
        {
            memory.Write(buffer);
        }
        else
        {
            file!.Write(buffer);
        }

        length += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        RequireOpen();
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.IsEmpty)
        {
            return;
        }

        if (memory is not null && memory.Length + buffer.Length > memoryLimit)
        {
            SpillToFile();
        }

        if (memory is not null)
        {
            memory.Write(buffer.Span);
        }
        else
        {
            await file!.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        length += buffer.Length;
    }

    /// <summary>Ends writing: from here on the bytes only go to the upload.</summary>
    public void Seal()
    {
        RequireOpen();
        file?.Flush();
        state = State.Sealed;
    }

    public void MarkCommitted() => state = State.Committed;

    /// <summary>The commit failed: the bytes can be neither changed nor uploaded again.</summary>
    public void MarkFailed()
    {
        state = State.Failed;
        ReleaseStorage();
    }

    /// <summary>Drops the bytes (the temporary file is deleted by closing it); the length stays readable.</summary>
    public void Abandon()
    {
        if (state is State.Open or State.Sealed)
        {
            state = State.Abandoned;
        }

        ReleaseStorage();
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes from <paramref name="offset"/> of the sealed content.</summary>
    public async ValueTask ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (state != State.Sealed)
        {
            throw new InvalidOperationException($"The pending file '{path}' is not being uploaded.");
        }

        if (memory is not null)
        {
            memory.GetBuffer().AsMemory(checked((int)offset), destination.Length).CopyTo(destination);
            return;
        }

        var handle = file!.SafeFileHandle;
        var done = 0;
        while (done < destination.Length)
        {
            var read = await RandomAccess.ReadAsync(handle, destination[done..], offset + done, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"The temporary file buffering '{path}' ended after {offset + done} of its {length} bytes.");
            }

            done += read;
        }
    }

    /// <summary>The synchronous <see cref="ReadAtAsync"/>, for callers of <see cref="Stream.Read(Span{byte})"/>.</summary>
    public void ReadAt(long offset, Span<byte> destination)
    {
        if (state != State.Sealed)
        {
            throw new InvalidOperationException($"The pending file '{path}' is not being uploaded.");
        }

        if (memory is not null)
        {
            memory.GetBuffer().AsSpan(checked((int)offset), destination.Length).CopyTo(destination);
            return;
        }

        var done = 0;
        while (done < destination.Length)
        {
            var read = RandomAccess.Read(file!.SafeFileHandle, destination[done..], offset + done);
            if (read == 0)
            {
                throw new IOException($"The temporary file buffering '{path}' ended after {offset + done} of its {length} bytes.");
            }

            done += read;
        }
    }


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Abandon();
        }

        base.Dispose(disposing);
    }

    private void SpillToFile()
    {
        Directory.CreateDirectory(temporaryDirectory);
        var temporary = Path.Join(temporaryDirectory, "bulwark-s3-" + Guid.NewGuid().ToString("N") + ".tmp");

        // DeleteOnClose: the operating system removes the file when it is closed, also when the process dies.
        var created = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            created.Write(memory!.GetBuffer().AsSpan(0, (int)memory.Length));
        }
        catch
        {
            created.Dispose();
            throw;
        }

        file = created;
        memory = null;
    }

    private void ReleaseStorage()
    {
        memory = null;
        var open = file;
        file = null;
        open?.Dispose();
    }

    private void RequireOpen()
    {
        switch (state)
        {
            case State.Open:
                return;
            case State.Committed:
                throw PendingFileRefusals.WrittenAfterCommit(path);
            case State.Abandoned:
                throw PendingFileRefusals.WrittenAfterDispose(path);
            case State.Failed:
                throw PendingFileRefusals.CommitFailedBefore(path);
            default:
                throw new InvalidOperationException($"The pending file '{path}' is being committed; its bytes can no longer change.");
        }
    }
}
