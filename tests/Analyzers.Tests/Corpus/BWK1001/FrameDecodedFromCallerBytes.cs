// corpus: lengths decoded from bytes the caller built in memory, and stored values used as a version and a timestamp, not as a length (silent)
using System.Buffers.Binary;

namespace Corpus.BWK1001.FrameDecodedFromCallerBytes
{
    sealed class FrameCodec
    {
        public static byte[] Decode(byte[] frame)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(frame);
            return new byte[length];
        }

        public static long ReadStamp(string path)
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            var version = reader.ReadInt32();
            if (version != 3)
            {
                throw new InvalidDataException($"{path}: unknown format version {version}");
            }

            var ticks = reader.ReadInt64();
            return ticks + version;
        }
    }
}
