// corpus: a document store reads a page's record length with BinaryReader.ReadInt32 from the data file and passes it straight to ReadBytes
using System.Text;

namespace Corpus.BWK1001.DocumentStorePageBinaryReader
{
    sealed class PageReader : IDisposable
    {
        private readonly BinaryReader _reader;

        public PageReader(string dataFile) =>
            _reader = new BinaryReader(File.OpenRead(dataFile), Encoding.UTF8, leaveOpen: false);

        public IEnumerable<byte[]> ReadDocuments(long pagePosition)
        {
            _reader.BaseStream.Position = pagePosition;
            var count = _reader.ReadUInt16();
            for (var i = 0; i < count; i++)
            {
                var length = _reader.ReadInt32();
                yield return {|BWK1001:_reader.ReadBytes(length)|};
            }
        }

        public void Dispose() => _reader.Dispose();
    }
}
