using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;

namespace Bulwark.Fuzz;

/// <summary>The Arrow IPC readers: the file format (footer, then each batch by index) and the stream format.</summary>
internal static class ArrowTargets
{
    /// <summary>Limits a service reading untrusted files would set, so the allocation oracle judges the reader, not the defaults.</summary>
    public static readonly ArrowReadOptions Limits = new() { MaxMetadataBytes = 1 << 20, MaxBodyBytes = 8 << 20 };

    public static readonly FuzzTarget File = new(
        "arrow-file",
        "ArrowIpcFileReader: footer, schema, dictionaries and every record batch, every value touched",
        ReadFile,
        [typeof(ArrowFormatException)]);

    public static readonly FuzzTarget Stream = new(
        "arrow-stream",
        "ArrowIpcStreamReader: schema, dictionaries and deltas and every record batch, every value touched",
        ReadStream,
        [typeof(ArrowFormatException)]);

    private static void ReadFile(byte[] input) => ReadFileAsync(input).AsTask().GetAwaiter().GetResult();

    private static void ReadStream(byte[] input) => ReadStreamAsync(input).AsTask().GetAwaiter().GetResult();

    private static async ValueTask ReadFileAsync(byte[] input)
    {
        await using var reader = await ArrowIpcFileReader.OpenAsync(new MemoryStream(input, writable: false), "fuzz.arrow", Limits);
        for (var i = 0; i < reader.BatchCount; i++)
        {
            using var batch = await reader.ReadBatchAsync(i);
            ArrayWalk.Batch(batch);
        }
    }

    private static async ValueTask ReadStreamAsync(byte[] input)
    {
        await using var reader = await ArrowIpcStreamReader.OpenAsync(new MemoryStream(input, writable: false), "fuzz.arrows", Limits);
        while (await reader.ReadNextBatchAsync() is { } batch)
        {
            using (batch)
            {
                ArrayWalk.Batch(batch);
            }
        }
    }
}
