// corpus: a blob restore copies a stored total length in chunks clamped with Math.Min to the buffer, and validates a record count in a helper that throws (silent)
namespace Corpus.BWK1001.ChunkedCopyClampedWithMathMin
{
    sealed class BlobRestore
    {
        private const int MaxRecords = 1 << 16;

        public static int Restore(Stream backup, Stream target)
        {
            var header = new byte[12];
            backup.ReadExactly(header);
            var records = BitConverter.ToInt32(header, 0);
            ValidateRecordCount(records);
            var sizes = new int[records];

            var buffer = new byte[81920];
            long remaining = BitConverter.ToInt64(header, 4);
            while (remaining > 0)
            {
                var chunk = (int)Math.Min(remaining, buffer.Length);
                backup.ReadExactly(buffer, 0, chunk);
                target.Write(buffer, 0, chunk);
                remaining -= chunk;
            }

            return sizes.Length;
        }

        private static void ValidateRecordCount(int value)
        {
            if (value is < 0 or > MaxRecords)
            {
                throw new InvalidDataException($"corrupt record count {value}");
            }
        }
    }
}
