// corpus: a page reader compares the stored length with the bytes left in the file, and a count with ThrowIfGreaterThan, before using them (silent)
namespace Corpus.BWK1001.PageReaderBoundedByBytesRemaining
{
    sealed class PageReader
    {
        private const int MaxDocumentsPerPage = 4096;

        public static List<byte[]> ReadPage(string path)
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            var count = reader.ReadInt32();
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxDocumentsPerPage);
            var documents = new List<byte[]>(count);
            for (var i = 0; i < count; i++)
            {
                var length = reader.ReadInt32();
                if ((uint)length > reader.BaseStream.Length - reader.BaseStream.Position)
                {
                    throw new InvalidDataException($"{path}: document {i} claims {length} bytes past the end of the file");
                }

                documents.Add(reader.ReadBytes(length));
            }

            return documents;
        }
    }
}
