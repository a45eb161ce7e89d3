// corpus: a key-value store loads a table file with File.ReadAllBytes and rents a block buffer sized by BinaryPrimitives.ReadInt32LittleEndian of the footer
using System.Buffers;
using System.Buffers.Binary;

namespace Corpus.BWK1001.KeyValueSstBlockBinaryPrimitives
{
    sealed class TableFile
    {
        public static byte[] LoadIndexBlock(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var footer = bytes.AsSpan(bytes.Length - 16);
            var indexLength = BinaryPrimitives.ReadInt32LittleEndian(footer.Slice(8));
            var block = {|BWK1001:ArrayPool<byte>.Shared.Rent(indexLength)|};
            footer.CopyTo(block);
            return block;
        }
    }
}
