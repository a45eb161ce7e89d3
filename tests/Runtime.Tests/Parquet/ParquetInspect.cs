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

    /// <summary>One page of a column chunk as stored: its header and the bytes after it.</summary>
    public sealed record Page(PageHeader Header, byte[] Body);

    /// <summary>The pages of one column chunk (by default the first of the first row group), in file order.</summary>
    public static List<Page> Pages(byte[] file, int rowGroup = 0, int column = 0)
    {
        var meta = Footer(file).RowGroups[rowGroup].Columns[column].MetaData!;
        var position = (int)(meta.DictionaryPageOffset ?? meta.DataPageOffset);
        var end = position + (int)meta.TotalCompressedSize;
        var pages = new List<Page>();
        while (position < end)
        {
            var reader = new ThriftReader(file.AsSpan(position, end - position), position, new ParquetLocation("inspect"), "page header", 64, new short[66]);
            var header = MetadataCodec.ReadPageHeader(ref reader);
            position += reader.Position;
            pages.Add(new Page(header, file[position..(position + header.CompressedPageSize)]));
            position += header.CompressedPageSize;
        }

        return pages;
    }

    /// <summary>
    /// Reassembles a file of one row group and one column with other pages: headers are written as given (sizes are
    /// the caller's business, to allow lying ones), offsets and the chunk's total size follow the new layout.
    /// </summary>
    public static byte[] WithPages(byte[] file, IEnumerable<Page> pages)
    {
        var footer = Footer(file);
        var meta = footer.RowGroups[0].Columns[0].MetaData!;
        var body = new MemoryStream();
        body.Write("PAR1"u8);
        meta.DictionaryPageOffset = null;
        meta.DataPageOffset = 0;
        foreach (var page in pages)
        {
            if (page.Header.Type == PageType.DictionaryPage)
            {
                meta.DictionaryPageOffset ??= body.Length;
            }
            else if (meta.DataPageOffset == 0)
            {
                meta.DataPageOffset = body.Length;
            }

            body.Write(HeaderBytes(page.Header));
            body.Write(page.Body);
        }

        meta.TotalCompressedSize = body.Length - 4;
        var bytes = body.ToArray();
        var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        var tail = file[(file.Length - 8 - length)..];
        return WithFooter([.. bytes, .. tail], footer);
    }

    public static byte[] HeaderBytes(PageHeader header)
    {
        var buffer = new PooledBuffer();
        MetadataCodec.Write(new ThriftWriter(buffer), header);
        var bytes = buffer.Written.ToArray();
        buffer.Release();
        return bytes;
    }
}
