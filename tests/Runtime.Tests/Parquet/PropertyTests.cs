using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Bulwark.Runtime.Tests.Ipc;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>
/// FsCheck seeds drive the IPC tests' random schemas and batches (nested lists and structs, dictionaries with every
/// index type, random nulls, unicode, extreme values) through Parquet with random page, codec and dictionary settings.
/// </summary>
public sealed class PropertyTests
{
    private static readonly Arbitrary<int> Seeds = Gen.Choose(0, int.MaxValue).ToArbitrary();

    /// <summary>The Arrow types Parquet stores natively (TestData's decimals of precision up to 18 hold out-of-range extremes).</summary>
    private static bool Writable(Field field) => field.DataType is DictionaryType dictionary
        ? dictionary.ValueType is StringType or BinaryType
        : field.DataType switch
        {
            NullType or Date64Type or TimeType { Unit: TimeUnit.Second } or TimestampType { Unit: TimeUnit.Second } => false,
            Decimal128Type { Precision: <= 18 } => false,
            ListType list => Writable(list.ValueField),
            StructType st => st.Fields.Count > 0 && st.Fields.All(Writable),
            _ => true,
        };

    [Fact]
    public void RandomBatchesRoundTrip() =>
        Prop.ForAll(Seeds, seed =>
        {
            var data = new Ipc.TestData(seed);
            var schema = data.RandomSchema();
            if (!schema.FieldsList.All(Writable))
            {
                return;
            }

            var batches = Enumerable.Range(0, data.Random.Next(1, 4)).Select(_ => data.RandomBatch(schema, data.Random.Next(0, 40))).ToList();
            var options = new ParquetWriteOptions
            {
                DataPageVersion = data.Random.Next(2) == 0 ? ParquetDataPageVersion.V1 : ParquetDataPageVersion.V2,
                Compression = (ParquetCompression)data.Random.Next(Enum.GetValues<ParquetCompression>().Length),
                DictionaryEnabled = data.Random.Next(2) == 0,
                PageSize = data.Random.Next(64, 2048),
                DictionaryPageSizeLimit = data.Random.Next(0, 512),
            };
            var bytes = Pq.WriteAsync(schema, batches, options).GetAwaiter().GetResult();
            var (readSchema, read) = Pq.ReadAsync(bytes).GetAwaiter().GetResult();
            Pq.AssertEqual(schema, readSchema);
            var expected = batches.Where(b => b.Length > 0).ToList();
            Assert.Equal(expected.Count, read.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                ArrayAssert.BatchesEqual(expected[i], read[i]);
                read[i].Dispose();
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));

    [Fact]
    public void WritingIsDeterministic() =>
        Prop.ForAll(Seeds, seed =>
        {
            using var batch = AllTypes.Batch(new Random(seed).Next(0, 100), seed % 2 == 0, seed);
            var options = new ParquetWriteOptions { PageSize = 128, RowGroupSize = 37 };
            var first = Pq.WriteAsync(batch.Schema, [batch], options).GetAwaiter().GetResult();
            var second = Pq.WriteAsync(batch.Schema, [batch], options).GetAwaiter().GetResult();
            Assert.Equal(first, second);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
}
