using Bulwark;

namespace Bulwark.Benchmarks;

/// <summary>The 6-column table of the write benchmark: ints, doubles, strings, a nullable string, a timestamp.</summary>
[ArrowRecord("bench_rows")]
public partial record BenchRow(
    long Id,
    double Score,
    string Url,
    string? Referrer,
    DateTimeOffset Time,
    int Status)
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Row i of the table; bench/js/arrow-write.mjs computes exactly the same values.</summary>
    public static BenchRow Create(long i) => new(
        i,
        i * 0.25,
        $"https://host{i % 1000}.example/page/{i}",
        i % 5 == 0 ? null : $"https://ref{i % 97}.example/",
        Epoch.AddTicks(i * 10_000),
        (int)(200 + (i % 4)));

    public static BenchRow[] CreateTable(int rows)
    {
        var table = new BenchRow[rows];
        for (var i = 0; i < rows; i++)
        {
            table[i] = Create(i);
        }

        return table;
    }
}
