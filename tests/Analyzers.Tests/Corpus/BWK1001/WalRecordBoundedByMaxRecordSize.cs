// corpus: the bounded neighbour of the write-ahead log reader: the decoded length is range-checked against the record limit and throws before the allocation (silent)
using System.Buffers.Binary;

namespace Corpus.BWK1001.WalRecordBoundedByMaxRecordSize
{
    sealed class WalReader
    {
        private const int MaxRecordSize = 16 << 20;
        private readonly Stream _log;

        public WalReader(Stream log) => _log = log;

        public byte[] ReadNext()
        {
            Span<byte> header = stackalloc byte[8];
            _log.ReadExactly(header);
            var length = BinaryPrimitives.ReadInt32LittleEndian(header.Slice(4));
            if (length is < 0 or > MaxRecordSize)
            {
                throw new InvalidDataException($"corrupt record length {length} at {_log.Position - 8}");
            }

            var payload = new byte[length];
            _log.ReadExactly(payload);
            return payload;
        }
    }
}
