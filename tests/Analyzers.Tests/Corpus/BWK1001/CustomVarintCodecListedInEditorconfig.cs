// corpus: a store's own varint decoder is listed in .editorconfig as a deserialization API, so a length it returns is unchecked like BinaryReader's
// editorconfig: bulwark.bwk1001.deserialization_methods = Corpus.BWK1001.CustomVarintCodecListedInEditorconfig.Varint.ReadLength
namespace Corpus.BWK1001.CustomVarintCodecListedInEditorconfig
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
        public static int KeyLength(byte[] block, int position) => {|BWK1001:Varint.ReadLength(block, ref position)|};
    }
}
