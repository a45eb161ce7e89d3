using System.Buffers;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow.Ipc;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Record batch bodies are rented and go back to the pool when their batch is disposed. Reading, checking and disposing
/// one batch at a time, scribbling over everything the pool holds in between, shows that nothing a later batch needs
/// (the dictionaries above all) lived in a returned body.
/// </summary>
public sealed class PooledBodyTests
{
    private static readonly Schema Schema = new(
        [
            new Field("id", Int64Type.Default, false),
            new Field("name", StringType.Default, true),
            new Field("status", new DictionaryType(Int16Type.Default, StringType.Default, false), true),
        ],
        null);

    public static TheoryData<Format, bool> Sources => new()
    {
        { Format.File, true },
        { Format.Stream, true },
        { Format.Stream, false },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task BatchesDisposedBeforeTheNextIsReadAllReadBackIntact(Format format, bool seekable)
    {
        var data = new TestData(11);
        var written = Enumerable.Range(0, 5).Select(_ => data.RandomBatch(Schema, 64)).ToList();
        var bytes = await Ipc.WriteAsync(format, Schema, written);
        Stream source = seekable ? new MemoryStream(bytes, writable: false) : new UnseekableStream(bytes);

        var read = 0;
        if (format == Format.File)
        {
            await using var reader = await ArrowIpcFileReader.OpenAsync(source, "test.arrow");
            for (; read < reader.BatchCount; read++)
            {
                using (var batch = await reader.ReadBatchAsync(read))
                {
                    ArrayAssert.BatchesEqual(written[read], batch);
                }

                ScribbleOverPool();
            }
        }
        else
        {
            await using var reader = await ArrowIpcStreamReader.OpenAsync(source, "test.arrows");
            for (; await reader.ReadNextBatchAsync() is { } batch; read++)
            {
                using (batch)
                {
                    ArrayAssert.BatchesEqual(written[read], batch);
                }

                ScribbleOverPool();
            }
        }

        Assert.Equal(written.Count, read);
    }

    [Fact]
    public async Task ABatchThatOutlivesItsReaderKeepsItsValues()
    {
        var data = new TestData(12);
        var written = data.RandomBatch(Schema, 40);
        var bytes = await Ipc.WriteAsync(Format.File, Schema, [written]);
        RecordBatch batch;
        await using (var reader = await ArrowIpcFileReader.OpenAsync(new MemoryStream(bytes, writable: false), "test.arrow"))
        {
            batch = await reader.ReadBatchAsync(0);
        }

        ScribbleOverPool();

        using (batch)
        {
            ArrayAssert.BatchesEqual(written, batch);
        }
    }

    /// <summary>Takes every array the shared pool holds up to 1 MiB (more than its per-thread and per-core caches keep), fills it and gives it back.</summary>
    private static void ScribbleOverPool()
    {
        var taken = new List<byte[]>();
        for (var size = 16; size <= 1 << 20; size *= 2)
        {
            for (var i = 0; i < 64; i++)
            {
                taken.Add(ArrayPool<byte>.Shared.Rent(size));
            }
        }

        foreach (var array in taken)
        {
            array.AsSpan().Fill(0xEE);
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
