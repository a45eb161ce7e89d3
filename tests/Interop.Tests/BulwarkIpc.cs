using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;

namespace Bulwark.Interop.Tests;

/// <summary>Writes and reads whole IPC files and streams with Bulwark's codec.</summary>
internal static class BulwarkIpc
{
    public static async Task WriteFileAsync(string path, Schema schema, IEnumerable<RecordBatch> batches, ArrowCompression compression = ArrowCompression.None)
    {
        await using var stream = File.Create(path);
        await using var writer = new ArrowIpcFileWriter(stream, schema, compression: compression);
        foreach (var batch in batches)
        {
            await writer.WriteBatchAsync(batch, CancellationToken.None);
        }

        await writer.CompleteAsync(CancellationToken.None);
    }

    public static async Task WriteStreamAsync(string path, Schema schema, IEnumerable<RecordBatch> batches, ArrowCompression compression = ArrowCompression.None)
    {
        await using var stream = File.Create(path);
        await using var writer = new ArrowIpcStreamWriter(stream, schema, compression: compression);
        foreach (var batch in batches)
        {
            await writer.WriteBatchAsync(batch, CancellationToken.None);
        }

        await writer.CompleteAsync(CancellationToken.None);
    }

    public static Task WriteAsync(string format, string path, Schema schema, IEnumerable<RecordBatch> batches, ArrowCompression compression = ArrowCompression.None) => format switch
    {
        "file" => WriteFileAsync(path, schema, batches, compression),
        "stream" => WriteStreamAsync(path, schema, batches, compression),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "file or stream"),
    };
}
