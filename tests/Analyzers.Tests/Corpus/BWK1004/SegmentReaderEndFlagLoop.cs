// corpus: a segment reader `while (!_ended)` that walks its file to the end and returns a count to the awaiting caller (silent)
namespace Corpus.BWK1004.SegmentReaderEndFlagLoop
{
    sealed class SegmentReader
    {
        private readonly Stream _segment;
        private bool _ended;

        public SegmentReader(Stream segment) => _segment = segment;

        private async Task<byte[]?> ReadRecordAsync(CancellationToken ct)
        {
            var record = new byte[32];
            return await _segment.ReadAsync(record, ct) == record.Length ? record : null;
        }

        public async Task<int> CountRecordsAsync(CancellationToken ct)
        {
            var count = 0;
            while (!_ended)
            {
                if (await ReadRecordAsync(ct) is null) _ended = true;
                else count++;
            }

            return count;
        }
    }
}
