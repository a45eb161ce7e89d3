using Bulwark.Arrow;
using Bulwark.Generators.Tests.RoundTrip;
using Bulwark.Parquet;
using Bulwark.Records;

namespace Bulwark.Generators.Tests;

/// <summary>DESIGN.md section 2: dictionary members are Arrow Map columns (Parquet MAP), exact through Arrow IPC and Parquet.</summary>
public sealed class MapTests
{
    private static readonly Guid OwnerA = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly Guid OwnerB = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");

    internal static Maps Row(int id) => (id % 4) switch
    {
        0 => new Maps(
            id,
            new Dictionary<string, long> { ["a"] = id, ["b"] = -1, ["ünïcødé"] = long.MaxValue },
            new Dictionary<string, string?> { ["x"] = "y", ["null"] = null, [""] = "" },
            new Dictionary<int, Address?> { [1] = new Address("Oslo", null, 150, Level.High), [-7] = null },
            new Dictionary<Color, double?> { [Color.Blue] = 1.5, [Color.Red] = null },
            new Dictionary<Guid, Level> { [OwnerA] = Level.Low, [OwnerB] = Level.Medium },
            new Dictionary<DateOnly, byte[]> { [new DateOnly(2024, 2, 29)] = [1, 2, 3], [DateOnly.MinValue] = [] },
            new Dictionary<long, decimal?> { [id] = 1234567.89m, [0] = null },
            new Dictionary<bool, Point> { [true] = new Point(1, 2), [false] = new Point(-0.5, double.NaN) }),
        1 => new Maps(id, [], null, new Dictionary<int, Address?>(), new Dictionary<Color, double?>(), null, [], [], []),
        2 => new Maps(
            id,
            new Dictionary<string, long> { ["only"] = id },
            [],
            new Dictionary<int, Address?> { [id] = new Address("Bergen", "Bryggen 1", 5003, Level.Critical) },
            new Dictionary<Color, double?> { [Color.Green] = double.NegativeInfinity },
            [],
            new Dictionary<DateOnly, byte[]> { [DateOnly.MaxValue] = [255] },
            new Dictionary<long, decimal?> { [long.MinValue] = -0.01m },
            new Dictionary<bool, Point> { [false] = default }),
        _ => new Maps(id, new Dictionary<string, long> { [id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = id }, null, new Dictionary<int, Address?>(), new Dictionary<Color, double?>(), new Dictionary<Guid, Level> { [Guid.Empty] = Level.High }, [], [], []),
    };

    internal static Maps[] Rows(int count) => Enumerable.Range(0, count).Select(Row).ToArray();

    [Fact]
    public void TheSchemaDeclaresMapsOfNonNullableEntriesAndKeys()
    {
        var fields = Maps.ArrowSchema.FieldsList;
        var counts = Assert.IsType<MapType>(fields[1].DataType);
        Assert.False(fields[1].IsNullable);
        Assert.False(counts.KeySorted);
        Assert.Equal("entries", counts.Fields[0].Name);
        Assert.False(counts.Fields[0].IsNullable);
        Assert.Equal("key", counts.KeyField.Name);
        Assert.False(counts.KeyField.IsNullable);
        Assert.IsType<StringType>(counts.KeyField.DataType);
        Assert.Equal("value", counts.ValueField.Name);
        Assert.False(counts.ValueField.IsNullable);
        Assert.IsType<Int64Type>(counts.ValueField.DataType);

        Assert.True(fields[2].IsNullable);
        Assert.True(((MapType)fields[2].DataType).ValueField.IsNullable);
        Assert.IsType<StructType>(((MapType)fields[3].DataType).ValueField.DataType);
        Assert.IsType<DictionaryType>(((MapType)fields[4].DataType).KeyField.DataType);
        Assert.Equal("arrow.uuid", ArrowTypes.ExtensionName(((MapType)fields[5].DataType).KeyField));
        Assert.Equal("map<date32, binary>", ArrowTypes.Describe(fields[6].DataType));
        Assert.Equal("map<int64, decimal128(9, 2)>", ArrowTypes.Describe(fields[7].DataType));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(1000)]
    public async Task MapsRoundTripThroughArrowAndParquet(int count)
    {
        var rows = Rows(count);
        var directory = Path.Combine(Path.GetTempPath(), "bulwark-map-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var arrow = Path.Combine(directory, "maps.arrow");
            var stream = Path.Combine(directory, "maps.arrows");
            var parquet = Path.Combine(directory, "maps.parquet");
            await ArrowFile.WriteAsync(arrow, rows, new ArrowWriteOptions { BatchSize = 333 });
            await ArrowFile.WriteAsync(stream, rows, new ArrowWriteOptions { BatchSize = 77, Format = ArrowIpcFormat.Stream });
            await ParquetFile.WriteAsync(parquet, rows);

            Structural.Equal(rows, (await ArrowFile.ReadAsync<Maps>(arrow)).ToArray());
            Structural.Equal(rows, (await ArrowFile.ReadAsync<Maps>(stream)).ToArray());
            Structural.Equal(rows, (await ParquetFile.ReadAsync<Maps>(parquet)).ToArray());
            Structural.Equal(rows.Select(r => new CountsOnly(r.Id, r.Counts)).ToArray(), (await ParquetFile.ReadAsync<CountsOnly>(parquet)).ToArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ABatchReadsBackItsOwnRows()
    {
        var rows = Rows(9);
        using var builder = Maps.CreateBatchBuilder();
        foreach (var row in rows)
        {
            builder.Append(row);
        }

        using var batch = builder.Build();
        Structural.Equal(rows, Maps.ReadBatch(batch));
    }
}
