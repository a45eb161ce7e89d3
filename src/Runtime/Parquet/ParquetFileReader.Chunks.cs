namespace Bulwark.Parquet;

/// <summary>One column chunk of a row group as the footer describes it (nothing is read or decoded).</summary>
/// <param name="Column">The dotted path of the leaf column.</param>
/// <param name="Codec">The compression codec as Parquet names it: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW…</param>
/// <param name="Values">The values (nulls included) the chunk declares.</param>
/// <param name="CompressedBytes">The chunk's size in the file.</param>
/// <param name="UncompressedBytes">The chunk's size once its pages are decompressed.</param>
public sealed record ParquetColumnChunkInfo(string Column, string Codec, long Values, long CompressedBytes, long UncompressedBytes);

/// <summary>What the footer says of each row group, for tools that describe a file without reading its data.</summary>
public sealed partial class ParquetFileReader
{
    /// <summary>The column chunks of row group <paramref name="index"/> as the footer declares them; a chunk without metadata is left out.</summary>
    public IReadOnlyList<ParquetColumnChunkInfo> GetColumnChunks(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);
        return _metadata.RowGroups[index].Columns
            .Where(c => c.MetaData is not null)
            .Select(c => c.MetaData!)
            .Select(m => new ParquetColumnChunkInfo(string.Join('.', m.PathInSchema), Codec.Name(m.Codec), m.NumValues, m.TotalCompressedSize, m.TotalUncompressedSize))
            .ToArray();
    }
}
