using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using Bulwark.Parquet;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Facade;

/// <summary>A file of one format handed to the other format's reader is named for what it is, by path, by stream and in storage.</summary>
public sealed class FormatSniffingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bulwark-sniff-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly List<Visit> Rows = Enumerable.Range(0, 20).Select(i => new Visit(i, $"u{i}", i * 0.5, new DateOnly(2024, 1, 1).AddDays(i))).ToList();

    private async Task<string> ParquetPathAsync()
    {
        var path = Path.Combine(_directory, "visits.parquet");
        await ParquetFile.WriteAsync(path, Rows);
        return path;
    }

    private async Task<string> ArrowPathAsync(ArrowIpcFormat format)
    {
        var path = Path.Combine(_directory, format == ArrowIpcFormat.File ? "visits.arrow" : "visits.arrows");
        await ArrowFile.WriteAsync(path, Rows, new ArrowWriteOptions { Format = format });
        return path;
    }

    [Fact]
    public async Task Parquet_file_read_through_ArrowFile_by_path_is_named_as_Parquet()
    {
        var path = await ParquetPathAsync();

        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => ArrowFile.ReadAsync<Visit>(path));

        Assert.Equal($"'{path}' is a Parquet file (it starts with PAR1), not an Arrow IPC file: read it with ParquetFile", error.Message);
        Assert.IsAssignableFrom<DataFormatException>(error);
    }

    [Fact]
    public async Task Parquet_file_read_through_the_IPC_readers_from_a_stream_is_named_as_Parquet()
    {
        var bytes = await File.ReadAllBytesAsync(await ParquetPathAsync());

        var file = await Assert.ThrowsAsync<ArrowFormatException>(async () => await ArrowIpcFileReader.OpenAsync(new MemoryStream(bytes), "x.parquet"));
        var stream = await Assert.ThrowsAsync<ArrowFormatException>(async () => await ArrowIpcStreamReader.OpenAsync(new MemoryStream(bytes)));

        Assert.Equal("'x.parquet' is a Parquet file (it starts with PAR1), not an Arrow IPC file: read it with ParquetFile", file.Message);
        Assert.Equal("The stream is a Parquet file (it starts with PAR1), not an Arrow IPC stream: read it with ParquetFile", stream.Message);
    }

    [Fact]
    public async Task Parquet_file_with_a_damaged_head_is_recognised_by_its_trailer()
    {
        var bytes = await File.ReadAllBytesAsync(await ParquetPathAsync());
        bytes[0] = (byte)'X';

        var error = await Assert.ThrowsAsync<ArrowFormatException>(async () => await ArrowIpcFileReader.OpenAsync(new MemoryStream(bytes), "x.parquet"));

        Assert.Equal("'x.parquet' is a Parquet file (it ends with PAR1), not an Arrow IPC file: read it with ParquetFile", error.Message);
    }

    [Fact]
    public async Task Parquet_file_in_storage_read_through_ArrowFile_is_named_as_Parquet()
    {
        var storage = new InMemoryBackend();
        await ParquetFile.WriteAsync(storage, "t/visits.parquet", Rows);

        var read = await Assert.ThrowsAsync<ArrowFormatException>(() => ArrowFile.ReadAsync<Visit>(storage, "t/visits.parquet"));
        var streamed = await Assert.ThrowsAsync<ArrowFormatException>(async () =>
        {
            await foreach (var unused in ArrowFile.StreamAsync<Visit>(storage, "t/visits.parquet"))
            {
            }
        });

        Assert.Equal("'t/visits.parquet' is a Parquet file (it starts with PAR1), not an Arrow IPC file: read it with ParquetFile", read.Message);
        Assert.Equal(read.Message, streamed.Message);
    }

    [Fact]
    public async Task Arrow_IPC_file_read_through_ParquetFile_by_path_is_named_as_Arrow()
    {
        var path = await ArrowPathAsync(ArrowIpcFormat.File);

        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => ParquetFile.ReadAsync<Visit>(path));

        Assert.Equal($"'{path}' is an Arrow IPC file (it starts with ARROW1), not a Parquet file: read it with ArrowFile", error.Message);
        Assert.IsAssignableFrom<DataFormatException>(error);
    }

    [Fact]
    public async Task Arrow_IPC_stream_read_through_ParquetFileReader_from_a_stream_is_named_as_Arrow()
    {
        var bytes = await File.ReadAllBytesAsync(await ArrowPathAsync(ArrowIpcFormat.Stream));

        var named = await Assert.ThrowsAsync<ParquetFormatException>(async () => await ParquetFileReader.OpenAsync(new MemoryStream(bytes), "x.arrows"));
        var unnamed = await Assert.ThrowsAsync<ParquetFormatException>(async () => await ParquetFileReader.OpenAsync(new MemoryStream(bytes)));

        Assert.Equal("'x.arrows' is an Arrow IPC stream (it starts with the IPC continuation marker FF FF FF FF), not a Parquet file: read it with ArrowFile", named.Message);
        Assert.StartsWith("The stream is an Arrow IPC stream", unnamed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arrow_IPC_file_with_a_damaged_head_is_recognised_by_its_trailer()
    {
        var bytes = await File.ReadAllBytesAsync(await ArrowPathAsync(ArrowIpcFormat.File));
        bytes[0] = (byte)'X';

        var error = await Assert.ThrowsAsync<ParquetFormatException>(async () => await ParquetFileReader.OpenAsync(new MemoryStream(bytes), "x.arrow"));

        Assert.Equal("'x.arrow' is an Arrow IPC file (it ends with ARROW1), not a Parquet file: read it with ArrowFile", error.Message);
    }

    [Fact]
    public async Task Arrow_IPC_file_in_storage_read_through_ParquetFile_is_named_as_Arrow()
    {
        var storage = new InMemoryBackend();
        await ArrowFile.WriteAsync(storage, "t/visits.arrow", Rows);

        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => ParquetFile.ReadAsync<Visit>(storage, "t/visits.arrow"));

        Assert.Equal("'t/visits.arrow' is an Arrow IPC file (it starts with ARROW1), not a Parquet file: read it with ArrowFile", error.Message);
    }

    [Fact]
    public async Task Garbage_is_still_reported_as_the_format_the_reader_expected()
    {
        var garbage = Enumerable.Repeat((byte)'z', 64).ToArray();

        var parquet = await Assert.ThrowsAsync<ParquetFormatException>(async () => await ParquetFileReader.OpenAsync(new MemoryStream(garbage), "g.bin"));
        var arrow = await Assert.ThrowsAsync<ArrowFormatException>(async () => await ArrowIpcFileReader.OpenAsync(new MemoryStream(garbage), "g.bin"));

        Assert.Contains("bad magic", parquet.Message, StringComparison.Ordinal);
        Assert.Contains("does not start with the Arrow magic", arrow.Message, StringComparison.Ordinal);
    }
}
