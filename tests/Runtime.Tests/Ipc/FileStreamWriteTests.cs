using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// On a FileStream the writers send a large message to the file in one gathered write at the stream's position, next to
/// the stream's own buffered writes for small ones: the file must hold exactly the bytes a MemoryStream gets, wherever
/// the stream started, and the stream must end up positioned after them.
/// </summary>
public sealed class FileStreamWriteTests : IDisposable
{
    private static readonly Schema Schema = new(
        [
            new Field("id", Int64Type.Default, true),
            new Field("url", StringType.Default, true),
            new Field("tags", new ListType(new Field("item", Int32Type.Default, true)), true),
            new Field("level", new DictionaryType(Int32Type.Default, StringType.Default, false), true),
        ],
        null);

    private readonly string _directory = Directory.CreateTempSubdirectory("bulwark-filestream-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Large batches (gathered writes) between small ones (buffered writes), so both paths interleave on one stream.
    private static List<RecordBatch> Batches()
    {
        var data = new TestData(21);
        return [data.RandomBatch(Schema, 3), data.RandomBatch(Schema, 40_000), data.RandomBatch(Schema, 1), data.RandomBatch(Schema, 0), data.RandomBatch(Schema, 25_000), data.RandomBatch(Schema, 7)];
    }

    private static async Task WriteAsync(Format format, Stream stream, IEnumerable<RecordBatch> batches)
    {
        if (format == Format.File)
        {
            await using var writer = new ArrowIpcFileWriter(stream, Schema, leaveOpen: true);
            foreach (var batch in batches)
            {
                await writer.WriteBatchAsync(batch);
            }

            await writer.CompleteAsync();
        }
        else
        {
            await using var writer = new ArrowIpcStreamWriter(stream, Schema, leaveOpen: true);
            foreach (var batch in batches)
            {
                await writer.WriteBatchAsync(batch);
            }

            await writer.CompleteAsync();
        }
    }

    [Theory]
    [InlineData(Format.File, true, 0)]
    [InlineData(Format.File, false, 0)]
    [InlineData(Format.Stream, true, 0)]
    [InlineData(Format.Stream, false, 0)]
    [InlineData(Format.File, true, 1)]
    [InlineData(Format.Stream, false, 4096)]
    [InlineData(Format.File, false, 100_003)]
    public async Task AFileGetsTheBytesAMemoryStreamGets(Format format, bool asynchronous, int prefix)
    {
        var batches = Batches();
        var expected = await Ipc.WriteAsync(format, Schema, batches);
        var path = Path.Combine(_directory, "out.arrow");
        var head = Enumerable.Range(0, prefix).Select(i => (byte)(i * 7)).ToArray();
        var tail = "after"u8.ToArray();
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, asynchronous))
        {
            // Bytes the caller wrote first are still in the stream's buffer when the writer starts.
            file.Write(head);
            await WriteAsync(format, file, batches);
            Assert.Equal(prefix + expected.Length, file.Position);

            // The caller goes on writing after the writer's bytes.
            file.Write(tail);
        }

        var written = await File.ReadAllBytesAsync(path);
        Assert.Equal(head, written[..prefix]);
        Assert.Equal(expected, written[prefix..^tail.Length]);
        Assert.Equal(tail, written[^tail.Length..]);

        var (_, read) = await Ipc.ReadAsync(format, written[prefix..^tail.Length]);
        Assert.Equal(batches.Sum(b => b.Length), read.Sum(b => b.Length));
    }

    [Fact]
    public async Task AFileOpenedForAppendingGetsTheBytesAfterWhatItHeld()
    {
        var batches = Batches();
        var expected = await Ipc.WriteAsync(Format.Stream, Schema, batches);
        var path = Path.Combine(_directory, "append.arrows");
        var head = new byte[777];
        System.Array.Fill(head, (byte)0x5A);
        await File.WriteAllBytesAsync(path, head);
        await using (var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            await WriteAsync(Format.Stream, file, batches);
        }

        var written = await File.ReadAllBytesAsync(path);
        Assert.Equal(head.Length + expected.Length, written.Length);
        Assert.Equal(expected, written[head.Length..]);
    }
}
