using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// FsCheck drives the seeds; <see cref="TestData"/> turns each seed into a random schema (nested lists and structs,
/// dictionaries with every index type, all leaf types) and random batches (random nulls, unicode, extremes).
/// </summary>
public sealed class PropertyTests
{
    private static readonly Arbitrary<int> Seeds = Gen.Choose(0, int.MaxValue).ToArbitrary();

    [Fact]
    public void RandomBatchesRoundTripThroughTheFileFormat() =>
        Prop.ForAll(Seeds, seed => RoundTrip(Format.File, seed)).Check(Config.QuickThrowOnFailure.WithMaxTest(150));

    [Fact]
    public void RandomBatchesRoundTripThroughTheStreamFormat() =>
        Prop.ForAll(Seeds, seed => RoundTrip(Format.Stream, seed)).Check(Config.QuickThrowOnFailure.WithMaxTest(150));

    [Fact]
    public void WritingIsDeterministicAndReReadingRewritesTheSameBytes() =>
        Prop.ForAll(Seeds, seed =>
        {
            var data = new TestData(seed);
            var schema = data.RandomSchema();
            var batches = Enumerable.Range(0, data.Random.Next(1, 4)).Select(_ => data.RandomBatch(schema, data.Random.Next(0, 20))).ToList();
            foreach (var format in new[] { Format.File, Format.Stream })
            {
                var first = Ipc.WriteAsync(format, schema, batches).GetAwaiter().GetResult();
                var (readSchema, read) = Ipc.ReadAsync(format, first).GetAwaiter().GetResult();
                var second = Ipc.WriteAsync(format, readSchema, read).GetAwaiter().GetResult();
                Assert.Equal(first, second);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));

    [Fact]
    public void RandomCorruptionOfRandomEncodingsReadsOrRaisesFormatException() =>
        Prop.ForAll(Seeds, seed =>
        {
            var data = new TestData(seed);
            var schema = data.RandomSchema(maxDepth: 2);
            var batches = Enumerable.Range(0, 2).Select(_ => data.RandomBatch(schema, data.Random.Next(0, 6))).ToList();
            var format = seed % 2 == 0 ? Format.File : Format.Stream;
            var bytes = Ipc.WriteAsync(format, schema, batches).GetAwaiter().GetResult();
            for (var i = 0; i < 20; i++)
            {
                var corrupt = (byte[])bytes.Clone();
                var position = data.Random.Next(corrupt.Length);
                corrupt[position] = (byte)data.Random.Next(256);
                var cut = data.Random.Next(4) == 0 ? data.Random.Next(corrupt.Length) : corrupt.Length;
                CorruptionTests.ReadsOrFailsCleanlyAsync(format, corrupt[..cut], $"seed {seed}, byte {position}, cut {cut}").GetAwaiter().GetResult();
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));

    [Fact]
    public void FlatBufferStringsAndScalarsRoundTrip() =>
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), ArbMap.Default.ArbFor<long>(), ArbMap.Default.ArbFor<short>(), (text, number, small) =>
        {
            var value = text is null ? string.Empty : new string(text.Where(c => !char.IsSurrogate(c)).ToArray());
            var b = new FlatBufferBuilder(16);
            var s = b.CreateString(value);
            b.StartTable(3);
            b.AddFieldOffset(0, s);
            b.AddFieldLong(1, number);
            b.AddFieldShort(2, small);
            b.Finish(b.EndTable());
            Assert.Equal(0, b.Written.Length % 8);
            var table = new FlatBufferReader(b.WrittenMemory.ToArray(), new IpcContext("stream", null), 0).Root("t");
            Assert.Equal(value, table.GetString(0, "s"));
            Assert.Equal(number, table.GetInt64(1, "n"));
            Assert.Equal(small, table.GetInt16(2, "k"));
            Assert.False(table.Has(3));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));

    private static void RoundTrip(Format format, int seed)
    {
        var data = new TestData(seed);
        var schema = data.RandomSchema();
        var batches = Enumerable.Range(0, data.Random.Next(0, 4)).Select(_ => data.RandomBatch(schema, data.Random.Next(0, 40))).ToList();
        Ipc.RoundTripAsync(format, schema, batches).GetAwaiter().GetResult();
    }
}
