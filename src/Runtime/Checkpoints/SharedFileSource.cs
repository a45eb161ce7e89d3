using System.Buffers;
using Bulwark.Storage;

namespace Bulwark.Checkpoints;

/// <summary>
/// Where a new shared file of a draft comes from. Bytes in memory are written as they are; a stream or a local file is
/// copied through a <see cref="PendingFile"/> in fixed-size chunks, hashing as it goes, so a shared file never has to
/// fit in memory; an adopted file is already in the store and is only measured.
/// </summary>
internal abstract class SharedFileSource
{
    /// <summary>The chunk a copy reads at a time: the most memory a shared file of any size costs while committing.</summary>
    public const int CopyChunkBytes = 81_920;

    /// <summary>Writes (or, for an adopted file, measures) the file and returns its length and CRC32C.</summary>
    public abstract ValueTask<(long Length, uint Crc32C)> WriteAsync(IStorageBackend backend, string path, CancellationToken cancellationToken);

    /// <summary>True when the file is written by the commit (and so removed again if the commit fails).</summary>
    public virtual bool IsWrittenByCommit => true;

    public sealed class Memory(ReadOnlyMemory<byte> bytes) : SharedFileSource
    {
        public ReadOnlyMemory<byte> Bytes => bytes;

        public override async ValueTask<(long Length, uint Crc32C)> WriteAsync(IStorageBackend backend, string path, CancellationToken cancellationToken)
        {
            var file = await backend.CreateAsync(path, cancellationToken).ConfigureAwait(false);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await file.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return (bytes.Length, Checksums.Crc32C(bytes.Span));
        }
    }

    public sealed class FromStream(Stream stream) : SharedFileSource
    {
        public override async ValueTask<(long Length, uint Crc32C)> WriteAsync(IStorageBackend backend, string path, CancellationToken cancellationToken)
        {
            var file = await backend.CreateAsync(path, cancellationToken).ConfigureAwait(false);
            await using (file.ConfigureAwait(false))
            {
                var measured = await CopyAsync(stream, file, cancellationToken).ConfigureAwait(false);
                await file.CommitAsync(cancellationToken).ConfigureAwait(false);
                return measured;
            }
        }
    }

    public sealed class FromLocalFile(string localPath) : SharedFileSource
    {
        public override async ValueTask<(long Length, uint Crc32C)> WriteAsync(IStorageBackend backend, string path, CancellationToken cancellationToken)
        {
            var input = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (input.ConfigureAwait(false))
            {
                var file = await backend.CreateAsync(path, cancellationToken).ConfigureAwait(false);
                await using (file.ConfigureAwait(false))
                {
                    var measured = await CopyAsync(input, file, cancellationToken).ConfigureAwait(false);
                    await file.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return measured;
                }
            }
        }
    }

    /// <summary>A file the caller already committed at the store root through the same backend.</summary>
    public sealed class Adopted(long? expectedLength, uint? expectedCrc32C) : SharedFileSource
    {
        public long? ExpectedLength => expectedLength;

        public uint? ExpectedCrc32C => expectedCrc32C;

        public override bool IsWrittenByCommit => false;

        public override async ValueTask<(long Length, uint Crc32C)> WriteAsync(IStorageBackend backend, string path, CancellationToken cancellationToken)
        {
            (long Length, uint Crc32C) measured;
            var input = await backend.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
            await using (input.ConfigureAwait(false))
            {
                measured = await HashAsync(input, null, cancellationToken).ConfigureAwait(false);
            }

            if ((expectedLength is { } length && length != measured.Length) || (expectedCrc32C is { } crc && crc != measured.Crc32C))
            {
                throw new InvalidDataException(
                    $"Adopted shared file '{path}' is {measured.Length} bytes with CRC32C {measured.Crc32C:x8}; the caller expected " +
                    $"{(expectedLength is { } l ? l.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any length")} and {(expectedCrc32C is { } c ? c.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) : "any CRC32C")}.");
            }

            return measured;
        }
    }

    private static ValueTask<(long Length, uint Crc32C)> CopyAsync(Stream input, PendingFile output, CancellationToken cancellationToken) =>
        HashAsync(input, output, cancellationToken);

    private static async ValueTask<(long Length, uint Crc32C)> HashAsync(Stream input, PendingFile? output, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyChunkBytes);
        try
        {
            var crc = Checksums.Crc32CStart;
            long length = 0;
            int read;
            while ((read = await input.ReadAsync(buffer.AsMemory(0, CopyChunkBytes), cancellationToken).ConfigureAwait(false)) > 0)
            {
                crc = Checksums.Crc32CAppend(crc, buffer.AsSpan(0, read));
                length += read;
                if (output is not null)
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }

            return (length, Checksums.Crc32CFinish(crc));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
