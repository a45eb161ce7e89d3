// corpus: the same varint decoder with no .editorconfig entry is an ordinary method of the user's code (silent)
namespace Corpus.BWK1001.CustomVarintCodecNotListed
{
    static class Varint
    {
        public static int ReadLength(byte[] bytes, ref int position)
        {
            var value = 0;
            var shift = 0;
            byte b;
            do
            {
                b = bytes[position++];
                value |= (b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0 && shift < 35);

            return value;
        }
    }

    sealed class KeyReader
    {
        public static int KeyLength(byte[] block, int position) => Varint.ReadLength(block, ref position);
    }
}
