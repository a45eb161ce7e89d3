using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Bulwark.Arrow;
using Bulwark.Records;
using Microsoft.Data.Analysis;

namespace Bulwark.Interop.Tests;

/// <summary>Scalar columns DataFrame can hold, for the DataFrame round trip.</summary>
[ArrowRecord("frame_rows")]
public partial record FrameRow(long Id, int? Count, double Ratio, bool? Flag, string Name, string? Note);

/// <summary>
/// DESIGN.md section 2: the batches Bulwark generates are Apache.Arrow objects the rest of a .NET Arrow stack takes as
/// they are, and what that stack hands back is read into records.
/// </summary>
public sealed class ApacheEcosystemTests
{
    private static readonly ParquetAllMembersRow[] Rows = Enumerable.Range(0, 60).Select(ParquetAllMembersRow.Create).ToArray();

    [Fact]
    public async Task A_generated_batch_written_by_Apache_ArrowFileWriter_is_read_back_by_ArrowFile()
    {
        using var directory = new TestDirectory();
        var path = directory.File("apache-written.arrow");
        using (var builder = ParquetAllMembersRow.CreateBatchBuilder())
        {
            foreach (var row in Rows)
            {
                builder.Append(row);
            }

            using var batch = builder.Build();
            Assert.IsAssignableFrom<RecordBatch>(batch);
            await using var stream = File.Create(path);
            using var writer = new ArrowFileWriter(stream, batch.Schema);
            await writer.WriteRecordBatchAsync(batch);
            await writer.WriteEndAsync();
        }

        var read = await ArrowFile.ReadAsync<ParquetAllMembersRow>(path);

        AssertSameRows(Rows, read);
    }

    [Fact]
    public async Task A_file_Bulwark_writes_is_read_by_Apache_ArrowFileReader_with_the_generated_schema()
    {
        using var directory = new TestDirectory();
        var path = directory.File("bulwark-written.arrow");
        await ArrowFile.WriteAsync(path, Rows);

        await using var stream = File.OpenRead(path);
        using var reader = new ArrowFileReader(stream);
        var schema = reader.Schema;
        var rows = new List<ParquetAllMembersRow>();
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
        {
            using (batch)
            {
                rows.AddRange(ParquetAllMembersRow.ReadBatch(batch));
            }
        }

        Assert.Equal(ArrowTypes.Describe(ParquetAllMembersRow.ArrowSchema), ArrowTypes.Describe(schema));
        AssertSameRows(Rows, rows);
    }

    [Fact]
    public void A_generated_batch_goes_into_a_DataFrame_and_comes_back_out_as_the_same_records()
    {
        var rows = Enumerable.Range(0, 40)
            .Select(i => new FrameRow(i * 1_000_003L, i % 3 == 0 ? null : -i, i / 7.0, i % 4 == 0 ? null : i % 2 == 0, "n" + i, i % 5 == 0 ? null : "ü" + i))
            .ToArray();
        using var builder = FrameRow.CreateBatchBuilder();
        foreach (var row in rows)
        {
            builder.Append(row);
        }

        using var batch = builder.Build();
        var frame = DataFrame.FromArrowRecordBatch(batch);

        Assert.Equal(rows.Length, frame.Rows.Count);
        Assert.Equal(rows[7].Id, frame.Columns["Id"][7]);
        Assert.Null(frame.Columns["Count"][6]);
        Assert.Equal(rows[7].Note, frame.Columns["Note"][7]);
        var back = frame.ToArrowRecordBatches().SelectMany(FrameRow.ReadBatch).ToArray();
        Assert.Equal(rows, back);
    }

    [Fact]
    public void A_sliced_Apache_batch_reads_the_rows_of_the_slice()
    {
        using var builder = ParquetAllMembersRow.CreateBatchBuilder();
        foreach (var row in Rows)
        {
            builder.Append(row);
        }

        using var batch = builder.Build();

        // Offsets that are not multiples of 8 shift every validity bit; 13 rows cross list and string offsets too.
        var slice = batch.Slice(21, 13);

        AssertSameRows(Rows.Skip(21).Take(13).ToArray(), ParquetAllMembersRow.ReadBatch(slice));
    }

    [Fact]
    public async Task A_sliced_Apache_batch_is_written_with_the_values_of_the_slice()
    {
        using var directory = new TestDirectory();
        using var builder = ParquetAllMembersRow.CreateBatchBuilder();
        foreach (var row in Rows)
        {
            builder.Append(row);
        }

        using var batch = builder.Build();
        var slice = batch.Slice(11, 29);
        var arrowPath = directory.File("slice.arrow");
        var parquetPath = directory.File("slice.parquet");
        await using (var writer = new Bulwark.Arrow.Ipc.ArrowIpcFileWriter(File.Create(arrowPath), ParquetAllMembersRow.ArrowSchema))
        {
            await writer.WriteBatchAsync(slice);
            await writer.CompleteAsync();
        }

        await using (var writer = new Bulwark.Parquet.ParquetFileWriter(File.Create(parquetPath), ParquetAllMembersRow.ArrowSchema))
        {
            await writer.WriteBatchAsync(slice);
            await writer.CompleteAsync();
        }

        var expected = Rows.Skip(11).Take(29).ToArray();
        AssertSameRows(expected, await ArrowFile.ReadAsync<ParquetAllMembersRow>(arrowPath));
        AssertSameRows(expected, await Bulwark.Parquet.ParquetFile.ReadAsync<ParquetAllMembersRow>(parquetPath));
    }

    private static void AssertSameRows(IReadOnlyList<ParquetAllMembersRow> expected, IReadOnlyList<ParquetAllMembersRow> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var want = expected[i].ToJson();
            var got = actual[i].ToJson();
            Assert.True(JsonNode.DeepEquals(want, got), $"row {i}:\nexpected {want.ToJsonString()}\nactual   {got.ToJsonString()}");
        }
    }
}
