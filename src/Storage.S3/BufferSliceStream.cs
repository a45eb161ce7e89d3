using System.Security.Cryptography;

namespace Bulwark.Storage.S3;

/// <summary>
/// A read-only, seekable view of part of a sealed <see cref="PendingBuffer"/>: the request body of one PUT or one
/// uploaded part. Seekable, so the SDK can sign it and rewind it for a retry, and nothing is copied into memory.
/// </summary>
internal sealed class BufferSliceStream : Stream
{
    private readonly PendingBuffer buffer;
    private readonly long start;
    private long position;

    public BufferSliceStream(PendingBuffer buffer, long start, long length)
    {
        this.buffer = buffer;
        this.start = start;
        Length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            position = value;
        }
    }

    /// <summary>The base64 MD5 of the slice (the Content-MD5 the server checks the body against); leaves the position at 0.</summary>
    public async Task<string> ComputeMd5Async(CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var chunk = new byte[(int)Math.Min(Math.Max(Length, 1), 256 * 1024)];
        position = 0;
        int read;
        while ((read = await ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            md5.AppendData(chunk, 0, read);
        }

        position = 0;
        return Convert.ToBase64String(md5.GetHashAndReset());
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        var count = Available(destination.Length);
        if (count == 0)
        {
            return 0;
        }

        buffer.ReadAt(start + position, destination[..count]);
        position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var count = Available(destination.Length);
        if (count == 0)
        {
            return 0;
        }

        await buffer.ReadAtAsync(start + position, destination[..count], cancellationToken).ConfigureAwait(false);
        position += count;
        return count;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return position;
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Available(int wanted) => (int)Math.Min(wanted, Math.Max(0, Length - position));
}
