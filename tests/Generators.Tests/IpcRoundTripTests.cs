using Bulwark.Arrow;
using Bulwark.Generators.Tests.RoundTrip;
using Bulwark.Records;
using FsCheck;
using FsCheck.Fluent;

namespace Bulwark.Generators.Tests;

/// <summary>
/// End to end: generated records -> generated builder -> Arrow IPC file or stream on disk -> codec -> generated reader.
/// Random batch sizes make the writer cut several batches (and repeat dictionaries) per file.
/// </summary>
public sealed class IpcRoundTripTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bulwark-ipc-rt-" + Guid.NewGuid().ToString("N")[..12]);

    public IpcRoundTripTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AllScalarsRoundTripThroughFilesAndStreams() => Check(Generators.AllScalars);

    [Fact]
    public void NullableScalarsRoundTripThroughFilesAndStreams() => Check(Generators.NullableScalars);

    [Fact]
    public void ListsRoundTripThroughFilesAndStreams() => Check(Generators.Lists);

    [Fact]
    public void NestedRecordsRoundTripThroughFilesAndStreams() => Check(Generators.Shipment);

    [Fact]
    public void ListsOfNestedRecordsRoundTripThroughFilesAndStreams() => Check(Generators.MoreLists);

    [Fact]
    public void StructRecordsRoundTripThroughFilesAndStreams() => Check(Generators.Reading);

    [Fact]
    public async Task StreamingWriterCutsBatchesAndReadsBackInOrder()
    {
        var rows = Generators.Shipment.Sample(25, 300).ToArray();
        var path = Path.Combine(_directory, "shipments.arrows");
        await using (var writer = ArrowFile.CreateWriter<Shipment>(path, new ArrowWriteOptions { BatchSize = 7, Format = ArrowIpcFormat.Stream }))
        {
            foreach (var row in rows)
            {
                await writer.AppendAsync(row);
            }

            await writer.CompleteAsync();
        }

        var batches = 0;
        await foreach (var batch in ArrowFile.ReadBatchesAsync(path))
        {
            using (batch)
            {
                Assert.True(batch.Length <= 7, $"batch {batches} has {batch.Length} rows, more than the batch size");
                batches++;
            }
        }

        Assert.Equal((rows.Length + 6) / 7, batches);
        Structural.Equal(rows, (await ArrowFile.ReadAsync<Shipment>(path)).ToArray());
    }

    private void Check<T>(Gen<T> gen)
        where T : IArrowRecord<T>
    {
        var cases = Gen.ArrayOf(gen).Zip(Gen.Choose(1, 40)).Zip(Gen.Elements(ArrowIpcFormat.File, ArrowIpcFormat.Stream));
        Prop.ForAll(cases.ToArbitrary(), input =>
        {
            var ((rows, batchSize), format) = input;
            var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".arrow");
            ArrowFile.WriteAsync(path, rows, new ArrowWriteOptions { BatchSize = batchSize, Format = format }).GetAwaiter().GetResult();

            Structural.Equal(rows, ArrowFile.ReadAsync<T>(path).GetAwaiter().GetResult().ToArray());

            var streamed = new List<T>();
            var enumerator = ArrowFile.StreamAsync<T>(path).GetAsyncEnumerator();
            try
            {
                while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                    streamed.Add(enumerator.Current);
                }
            }
            finally
            {
                enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            Structural.Equal(rows, streamed.ToArray());
            File.Delete(path);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }
}
