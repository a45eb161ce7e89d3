// corpus: a message log's index file: BinaryReader.ReadInt32 gives a count that sizes a List and BinaryReader.ReadInt64 a blob (cast to int)
namespace Corpus.BWK1001.MessageLogCountsReaderLoop
{
    sealed class IndexFile
    {
        public static (List<long> Offsets, byte[] Metadata) Load(string path)
        {
            using var reader = new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read));
            var count = reader.ReadInt32();
            var offsets = {|BWK1001:new List<long>(count)|};
            for (var i = 0; i < count; i++)
            {
                offsets.Add(reader.ReadInt64());
            }

            var metadataLength = reader.ReadInt64();
            var metadata = {|BWK1001:GC.AllocateUninitializedArray<byte>((int)metadataLength)|};
            reader.BaseStream.ReadExactly(metadata);
            return (offsets, metadata);
        }
    }
}
