using System.Buffers.Binary;
using Bulwark.Arrow;
using Bulwark.Parquet;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>Reads and rewrites footers through the internal metadata codec, to check what the writer put there.</summary>
internal static class ParquetInspect
{
    public static FileMetaData Footer(byte[] file)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        var start = file.Length - 8 - length;
        var reader = new ThriftReader(file.AsSpan(start, length), start, new ParquetLocation("inspect"), "footer", 64, new short[66]);
        return MetadataCodec.ReadFileMetaData(ref reader);
    }

    public static byte[] WithFooter(byte[] file, FileMetaData metadata)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        var body = file.AsSpan(0, file.Length - 8 - length);
        var buffer = new PooledBuffer();
        MetadataCodec.Write(new ThriftWriter(buffer), metadata);
        var footer = buffer.Written.ToArray();
        buffer.Release();
        var result = new byte[body.Length + footer.Length + 8];
        body.CopyTo(result);
        footer.CopyTo(result, body.Length);
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(body.Length + footer.Length), footer.Length);
        "PAR1"u8.CopyTo(result.AsSpan(result.Length - 4));
        return result;
    }

    public static byte[] WithoutArrowSchema(byte[] file)
    {
        var metadata = Footer(file);
        metadata.KeyValueMetadata.RemoveAll(p => p.Key == "ARROW:schema");
        return WithFooter(file, metadata);
    }

    /// <summary>Encodings of each top-level column's first leaf in the first row group, by column name.</summary>
    public static Task<Dictionary<string, List<int>>> EncodingsAsync(byte[] file)
    {
        var metadata = Footer(file);
        var result = new Dictionary<string, List<int>>();
        foreach (var column in metadata.RowGroups[0].Columns)
        {
            result.TryAdd(column.MetaData!.PathInSchema[0], column.MetaData.Encodings);
        }

        return Task.FromResult(result);
    }
}
