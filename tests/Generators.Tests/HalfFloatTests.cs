using Bulwark.Arrow;
using Bulwark.Generators.Tests.RoundTrip;
using Bulwark.Parquet;

namespace Bulwark.Generators.Tests;

/// <summary>DESIGN.md section 2: <see cref="Half"/> members are HalfFloat columns, exact through Arrow IPC and Parquet FLOAT16.</summary>
public sealed class HalfFloatTests
{
    private static readonly Halves[] Rows =
    [
        new(Half.MinValue, null, []),
        new(Half.MaxValue, Half.Epsilon, [Half.NaN, Half.NegativeInfinity, Half.PositiveInfinity]),
        new((Half)(-0.0f), (Half)1.5f, [(Half)0.333f, Half.NegativeZero]),
    ];

    [Fact]
    public void TheSchemaDeclaresHalfFloat()
    {
        var fields = Halves.ArrowSchema.FieldsList;
        Assert.IsType<HalfFloatType>(fields[0].DataType);
        Assert.IsType<HalfFloatType>(fields[1].DataType);
        Assert.True(fields[1].IsNullable);
        Assert.IsType<HalfFloatType>(((ListType)fields[2].DataType).ValueDataType);
    }

    [Fact]
    public async Task HalvesRoundTripBitForBitThroughArrowAndParquet()
    {
        var directory = Path.Combine(Path.GetTempPath(), "bulwark-half-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var arrow = Path.Combine(directory, "halves.arrow");
            var parquet = Path.Combine(directory, "halves.parquet");
            await ArrowFile.WriteAsync(arrow, Rows);
            await ParquetFile.WriteAsync(parquet, Rows);

            foreach (var read in new[] { await ArrowFile.ReadAsync<Halves>(arrow), await ParquetFile.ReadAsync<Halves>(parquet) })
            {
                Assert.Equal(Rows.Length, read.Count);
                for (var i = 0; i < Rows.Length; i++)
                {
                    // Bits, not values: NaN never equals itself and -0 equals +0.
                    Assert.Equal(BitConverter.HalfToInt16Bits(Rows[i].Value), BitConverter.HalfToInt16Bits(read[i].Value));
                    Assert.Equal<short?>(Rows[i].Maybe is { } m ? BitConverter.HalfToInt16Bits(m) : null, read[i].Maybe is { } r ? BitConverter.HalfToInt16Bits(r) : null);
                    Assert.Equal(Rows[i].Values.Select(BitConverter.HalfToInt16Bits), read[i].Values.Select(BitConverter.HalfToInt16Bits));
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
