using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Bulwark.Arrow;
using Xunit.Sdk;

namespace Bulwark.Interop.Tests;

/// <summary>What one reference reader printed about a Parquet file, with its stderr for failure messages.</summary>
internal sealed record ReaderOutput(JsonNode Json, string Diagnostics);

/// <summary>
/// Runs the Parquet reference readers of js/ (DuckDB, parquet-wasm i.e. arrow-rs, hyparquet) and checks what DuckDB
/// reports against the all-types table: column names and DuckDB types, every value, the Parquet schema elements, and
/// each column chunk's statistics against the data of its row group.
/// </summary>
internal static class ParquetReaders
{
    /// <summary>The DuckDB type of each <see cref="AllTypesTable"/> column when the file carries DESIGN.md section 2's Parquet types.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> AllTypesDuckDbColumns =
    [
        ("id", "BIGINT"), ("name", "VARCHAR"), ("flag", "BOOLEAN"),
        ("i8", "TINYINT"), ("i16", "SMALLINT"), ("i32", "INTEGER"), ("i64", "BIGINT"),
        ("u8", "UTINYINT"), ("u16", "USMALLINT"), ("u32", "UINTEGER"), ("u64", "UBIGINT"),
        ("f32", "FLOAT"), ("f64", "DOUBLE"), ("dec", "DECIMAL(38,9)"), ("price", "DECIMAL(9,2)"),
        ("text", "VARCHAR"), ("bytes", "BLOB"), ("uuid", "UUID"),
        ("day", "DATE"), ("time", "TIME"), ("ts", "TIMESTAMP WITH TIME ZONE"), ("dur", "BIGINT"),
        ("color", "VARCHAR"), ("ints", "INTEGER[]"), ("words", "VARCHAR[]"),
        ("point", "STRUCT(\"x\" INTEGER, \"label\" VARCHAR)"), ("pair", "STRUCT(\"key\" BIGINT, \"value\" VARCHAR)"),
    ];

    /// <summary>
    /// <see cref="AllTypesTable.Create"/> with one value moved for DuckDB: its parquet_metadata fails outright ("Date out
    /// of range in timestamp conversion") on a TIMESTAMP statistic of long.MinValue microseconds, so "ts" holds
    /// long.MinValue + 1 there (DuckDB's -infinity). Every other extreme stays.
    /// </summary>
    public static TestTable AllTypesForDuckDb()
    {
        var table = AllTypesTable.Create();
        var columns = table.Columns.Select(c => c.Field.Name != "ts" ? c : AllTypesTable.Primitive<long>("ts", new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC"),
            [
                0, -1, ArrowConvert.ToUnixMicroseconds(new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero).AddTicks(1234560)), null,
                ArrowConvert.ToUnixMicroseconds(DateTime.MinValue), ArrowConvert.ToUnixMicroseconds(DateTime.MaxValue), long.MinValue + 1, long.MaxValue,
            ],
            v => ArrowJson.Invariant(v))).ToArray();
        return new TestTable(columns, table.Schema.Metadata.ToArray());
    }

    /// <summary>
    /// <paramref name="schema"/> (describe.mjs shape) as arrow-rs reports it from a Parquet file with the standard
    /// three-level LIST: arrow-rs names a list's child after the Parquet element ("element", as LogicalTypes.md names
    /// it) and does not take the name from the embedded Arrow schema, whose Arrow default is "item".
    /// </summary>
    public static JsonNode WithParquetListElementNames(JsonNode schema)
    {
        var copy = schema.DeepClone();
        foreach (var field in copy["fields"]!.AsArray())
        {
            Rename(field!);
        }

        return copy;

        static void Rename(JsonNode field)
        {
            var children = field["children"]!.AsArray();
            if (field["type"]!.GetValue<string>() == "list")
            {
                children[0]!["name"] = "element";
            }

            foreach (var child in children)
            {
                Rename(child!);
            }
        }
    }

    public static async Task<ReaderOutput> DuckDbAsync(string path)
    {
        var result = await NodeEnvironment.RunScriptAsync("duckdb-read-parquet.mjs", [path]);
        return new ReaderOutput(ArrowJson.Parse(result.StandardOutput, "duckdb-read-parquet.mjs"), $"duckdb-read-parquet.mjs {path}\nstderr:\n{result.StandardError}");
    }

    public static async Task<ReaderOutput> ParquetWasmAsync(string path)
    {
        var result = await NodeEnvironment.RunScriptAsync("parquet-wasm-read.mjs", [path]);
        return new ReaderOutput(ArrowJson.Parse(result.StandardOutput, "parquet-wasm-read.mjs"), $"parquet-wasm-read.mjs {path}\nstderr:\n{result.StandardError}");
    }

    public static async Task<ReaderOutput> HyparquetAsync(string path)
    {
        var result = await NodeEnvironment.RunScriptAsync("hyparquet-read.mjs", [path]);
        return new ReaderOutput(ArrowJson.Parse(result.StandardOutput, "hyparquet-read.mjs"), $"hyparquet-read.mjs {path}\nstderr:\n{result.StandardError}");
    }

    /// <summary>DuckDB's column names and types, row count and every value equal the all-types table's first <paramref name="rows"/> rows.</summary>
    public static void AssertDuckDbValues(ReaderOutput duck, TestTable table, int rows, string what, IReadOnlyList<(string Name, string Type)> columns)
    {
        var expectedColumns = new JsonArray(columns.Select(c => (JsonNode?)new JsonObject { ["name"] = c.Name, ["type"] = c.Type }).ToArray());
        ArrowJson.AssertEqual(expectedColumns, duck.Json["columns"], $"{what}: DuckDB column names and types", duck.Diagnostics);
        Assert.True(rows == duck.Json["numRows"]!.GetValue<int>(), $"{what}: DuckDB read {duck.Json["numRows"]} rows, {rows} were written.\n{duck.Diagnostics}");
        ArrowJson.AssertEqual(table.ExpectedColumns(rows), duck.Json["values"], $"{what}: values read by DuckDB", duck.Diagnostics);
    }

    /// <summary>
    /// hyparquet's values equal <paramref name="expected"/> (columns keyed by name) exactly, except the decimal columns of
    /// <paramref name="decimalScales"/>, which hyparquet turns into JS numbers: those must be the nearest double of
    /// unscaled / 10^scale within rounding.
    /// </summary>
    public static void AssertHyparquetValues(ReaderOutput hyparquet, JsonObject expected, IReadOnlyDictionary<string, int> decimalScales, string what)
    {
        var approximate = hyparquet.Json["approximate"]!.AsArray().Select(c => c!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
        Assert.True(approximate.SequenceEqual(decimalScales.Keys.Order(StringComparer.Ordinal)), $"{what}: hyparquet saw DECIMAL columns [{string.Join(", ", approximate)}], expected [{string.Join(", ", decimalScales.Keys)}].\n{hyparquet.Diagnostics}");
        var exact = (JsonObject)expected.DeepClone();
        var actual = (JsonObject)hyparquet.Json["values"]!.DeepClone();
        var differences = new List<string>();
        foreach (var (column, scale) in decimalScales)
        {
            var expectedValues = exact[column]!.AsArray();
            var actualValues = actual[column]!.AsArray();
            for (var i = 0; i < Math.Min(expectedValues.Count, actualValues.Count); i++)
            {
                var e = expectedValues[i]?.GetValue<string>();
                var a = actualValues[i]?.GetValue<string>();
                if ((e is null) != (a is null) || (e is not null && !DecimalMatches(e, scale, a!)))
                {
                    differences.Add($"{column}[{i}]: expected unscaled {e ?? "null"} at scale {scale}, hyparquet read {a ?? "null"}");
                }
            }

            if (expectedValues.Count != actualValues.Count)
            {
                differences.Add($"{column}: {actualValues.Count} values, expected {expectedValues.Count}");
            }

            exact.Remove(column);
            actual.Remove(column);
        }

        ArrowJson.AssertEqual(exact, actual, $"{what}: values read by hyparquet", hyparquet.Diagnostics);
        if (differences.Count > 0)
        {
            throw new XunitException($"{what}: decimals read by hyparquet:\n  {string.Join("\n  ", differences.Take(40))}\n{hyparquet.Diagnostics}");
        }
    }

    /// <summary>
    /// Every column chunk's statistics describe its row group's data: null_count always, min/max wherever DuckDB
    /// computed the data's (top-level non-nested columns). Float bounds follow the spec's zero rule: a zero minimum is
    /// written as -0.0 and a zero maximum as +0.0; NaN is left out of the data's bounds, as the spec leaves it out.
    /// </summary>
    public static void AssertStatisticsMatchData(ReaderOutput duck, string what, ISet<string>? floatColumns = null)
    {
        var differences = new List<string>();
        var checkedChunks = 0;
        foreach (var group in duck.Json["rowGroups"]!.AsArray())
        {
            var groupId = group!["id"]!.GetValue<int>();
            foreach (var chunk in group["columns"]!.AsArray())
            {
                if (chunk!["data"] is not JsonObject data)
                {
                    continue;
                }

                checkedChunks++;
                var path = chunk["path"]!.GetValue<string>();
                var where = $"row group {groupId}, column {path}";
                var nullCount = chunk["nullCount"]?.GetValue<long>();
                if (nullCount != data["nullCount"]!.GetValue<long>())
                {
                    differences.Add($"{where}: statistics null_count {Show(chunk["nullCount"])}, the data has {data["nullCount"]} nulls");
                }

                var isFloat = floatColumns?.Contains(path) == true;


                CompareBound(where, "min", chunk["statsMin"], data["min"], isFloat, differences);
                CompareBound(where, "max", chunk["statsMax"], data["max"], isFloat, differences);
            }
        }

        Assert.True(checkedChunks > 0, $"{what}: DuckDB computed no data statistics to compare with.\n{duck.Diagnostics}");
        if (differences.Count > 0)
        {
            throw new XunitException($"{what}: {differences.Count} column chunk statistic(s) differ from the data (as DuckDB formats both):\n  {string.Join("\n  ", differences)}\n{duck.Diagnostics}");
        }
    }

    /// <summary>One leaf or group of DuckDB's parquet_schema output, by name, or a failure listing the names there are.</summary>
    public static JsonObject SchemaElement(ReaderOutput duck, string name, int occurrence = 0)
    {
        var matches = duck.Json["schema"]!.AsArray().Where(e => e!["name"]!.GetValue<string>() == name).ToArray();
        Assert.True(matches.Length > occurrence, $"parquet_schema has no element '{name}' (#{occurrence}): {string.Join(", ", duck.Json["schema"]!.AsArray().Select(e => e!["name"]))}\n{duck.Diagnostics}");
        return matches[occurrence]!.AsObject();
    }

    /// <summary>The encodings DuckDB lists for every chunk of <paramref name="column"/>, e.g. "PLAIN, RLE, RLE_DICTIONARY".</summary>
    public static IEnumerable<string> Encodings(JsonNode rowGroups, string column) =>
        rowGroups.AsArray().SelectMany(g => g!["columns"]!.AsArray()).Where(c => c!["path"]!.GetValue<string>() == column).Select(c => c!["encodings"]!.GetValue<string>());

    private static void CompareBound(string where, string bound, JsonNode? statistic, JsonNode? data, bool isFloat, List<string> differences)
    {
        var written = statistic?.GetValue<string>();
        var actual = data?.GetValue<string>();

        // DuckDB hides an infinite float bound (checked on arrow-rs files, whose raw statistics hold it): nothing to compare.
        if (isFloat && written is null && actual is "inf" or "-inf")
        {
            return;
        }

        if (isFloat && actual is not null && written is not null
            && double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var dataValue)
            && double.TryParse(written, NumberStyles.Float, CultureInfo.InvariantCulture, out var writtenValue))
        {
            var zeroSign = bound == "min" ? "-0.0" : "0.0";
            if (dataValue == 0 ? written != zeroSign : dataValue != writtenValue)
            {
                differences.Add($"{where}: statistics {bound} {written}, the data's is {actual}{(dataValue == 0 ? $" (a zero {bound} must be written as {zeroSign})" : string.Empty)}");
            }

            return;
        }

        if (!string.Equals(written, actual, StringComparison.Ordinal))
        {
            differences.Add($"{where}: statistics {bound} {Show(statistic)}, the data's is {Show(data)}");
        }
    }

    private static bool DecimalMatches(string unscaled, int scale, string approximate)
    {
        var exact = (double)BigInteger.Parse(unscaled, CultureInfo.InvariantCulture) / Math.Pow(10, scale);
        var value = double.Parse(approximate, NumberStyles.Float, CultureInfo.InvariantCulture);
        return Math.Abs(exact - value) <= Math.Max(Math.Abs(exact), double.Epsilon) * 1e-12;
    }

    private static string Show(JsonNode? node) => node is null ? "absent" : node.ToJsonString();
}
