using BenchmarkDotNet.Running;
using Bulwark.Benchmarks;

// `compare-arrow-write`, `compare-arrow-read`, `compare-checkpoint`, `compare-parquet`, `compare-ingest` and `compare-analyzers` run side-by-side comparisons with real peers; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "compare-arrow-write")
{
    var rows = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    var iterations = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    var script = args.Length > 3 ? args[3] : Path.Combine("bench", "js", "arrow-write.mjs");
    return await ArrowWriteComparison.RunAsync(rows, iterations, script);
}

if (args.Length > 0 && args[0] == "compare-arrow-read")
{
    var rows = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    var iterations = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    return await ArrowReadComparison.RunAsync(rows, iterations);
}

if (args.Length > 0 && args[0] == "compare-checkpoint")
{
    var iterations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
    var directory = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "bulwark-bench-checkpoints");
    return await CheckpointComparison.RunAsync(iterations, directory);
}

if (args.Length > 0 && args[0] == "compare-parquet")
{
    // `--codec zstd|lz4raw|snappy` may come anywhere after the mode; the positional arguments keep their order.
    var positional = new List<string>();
    var codec = "snappy";
    for (var i = 1; i < args.Length; i++)
    {
        if (args[i] == "--codec" && i + 1 < args.Length)
        {
            codec = args[++i];
        }
        else
        {
            positional.Add(args[i]);
        }
    }

    var rows = positional.Count > 0 ? int.Parse(positional[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000;
    var iterations = positional.Count > 1 ? int.Parse(positional[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
    var script = positional.Count > 2 ? positional[2] : Path.Combine("bench", "js", "duckdb-parquet.mjs");
    return await ParquetComparison.RunAsync(rows, iterations, script, codec);
}

if (args.Length > 0 && args[0] == "compare-ingest")
{
    var records = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    var repeats = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
    var directory = args.Length > 3 ? args[3] : Path.Combine(Path.GetTempPath(), "bulwark-bench-ingest");
    return await IngestComparison.RunAsync(records, repeats, directory);
}

if (args.Length > 0 && args[0] == "compare-analyzers")
{
    var files = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
    var iterations = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    return await AnalyzerScaleComparison.RunAsync(files, iterations);
}

if (args.Length > 0 && args[0] == "analyzer-times")
{
    var files = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
    var iterations = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
    return await AnalyzerTimes.RunAsync(files, iterations, args.Length > 3 && args[3].Length > 0 ? args[3] : null, args.Length > 4 ? args[4] : null);
}

if (args.Length > 0 && args[0] == "compare-shards")
{
    return await ShardComparison.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(ArrowWriteBenchmarks).Assembly).Run(args);
return 0;
