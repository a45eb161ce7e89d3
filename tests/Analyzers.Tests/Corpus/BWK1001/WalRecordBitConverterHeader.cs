// corpus: a write-ahead log reader decodes the payload length of each record with BitConverter.ToInt32 from a header read off the stream and allocates it
namespace Corpus.BWK1001.WalRecordBitConverterHeader
{
    readonly record struct WalRecord(long Lsn, byte[] Payload);

    sealed class WalReader
    {
        private const int HeaderSize = 12;
        private readonly Stream _log;

        public WalReader(Stream log) => _log = log;

        public WalRecord? ReadNext()
        {
            var header = new byte[HeaderSize];
            if (_log.Read(header, 0, HeaderSize) < HeaderSize)
            {
                return null;
            }

            var lsn = BitConverter.ToInt64(header, 0);
            var length = BitConverter.ToInt32(header, 8);
            var payload = {|BWK1001:new byte[length]|};
            _log.ReadExactly(payload);
            return new WalRecord(lsn, payload);
        }
    }
}
