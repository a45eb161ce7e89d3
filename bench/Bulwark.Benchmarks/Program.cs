using BenchmarkDotNet.Running;
using Bulwark.Benchmarks;

// `compare-arrow-write` runs the side-by-side comparison with apache-arrow (JS); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "compare-arrow-write")
{
    var rows = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    var iterations = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    var script = args.Length > 3 ? args[3] : Path.Combine("bench", "js", "arrow-write.mjs");
    return await ArrowWriteComparison.RunAsync(rows, iterations, script);
}

BenchmarkSwitcher.FromAssembly(typeof(ArrowWriteBenchmarks).Assembly).Run(args);
return 0;
