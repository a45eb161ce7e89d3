// corpus: a segment reader rejects negative lengths only: BinaryPrimitives.ReadInt32BigEndian over bytes read asynchronously from the file still sizes the read with no upper bound
using System.Buffers.Binary;

namespace Corpus.BWK1001.AsyncSegmentReadLengthOnlyNonNegative
{
    sealed class SegmentReader
    {
        public static async Task<byte[]> ReadEntryAsync(string path, long offset, CancellationToken ct)
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            file.Position = offset;
            var prefix = new byte[4];
            await file.ReadExactlyAsync(prefix, ct);
            var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (length < 0)
            {
                throw new InvalidDataException($"{path}: negative entry length {length} at {offset}");
            }

            var entry = {|BWK1001:new byte[length]|};
            await file.ReadExactlyAsync(entry, ct);
            return entry;
        }
    }
}
