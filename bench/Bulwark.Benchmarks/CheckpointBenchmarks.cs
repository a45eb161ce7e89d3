using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Bulwark.Serialization;

namespace Bulwark.Benchmarks;

/// <summary>
/// Where the checkpoint read and write time goes on <see cref="CrawlFrontier"/>: the whole file against STJ, the CRC
/// alone (<see cref="CheckpointSerializer.ReadHeader"/>), and each of the frontier's three collections as a state of
/// its own, next to the bare cost of decoding the same strings. Run with <c>--filter *CheckpointBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class CheckpointBenchmarks
{
    private CrawlFrontier _state = null!;
    private byte[] _file = [];
    private byte[] _json = [];
    private byte[] _urlsFile = [];
    private byte[] _hostsFile = [];
    private byte[] _queueFile = [];
    private byte[][] _urlBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _state = CrawlFrontier.Create(100_000);
        _file = CheckpointSerializer.Serialize(_state);
        _json = JsonSerializer.SerializeToUtf8Bytes(_state, FrontierJsonContext.Default.CrawlFrontier);
        _urlsFile = CheckpointSerializer.Serialize(new FrontierUrls { Urls = _state.LastVisitByUrl });
        _hostsFile = CheckpointSerializer.Serialize(new FrontierHosts { Hosts = _state.Hosts });
        _queueFile = CheckpointSerializer.Serialize(new FrontierQueue { Queue = _state.Queue });
        _urlBytes = _state.LastVisitByUrl.Keys.Concat(_state.Queue).Select(Encoding.UTF8.GetBytes).ToArray();
    }

    [Benchmark(Baseline = true)]
    public long Read() => CheckpointSerializer.Deserialize<CrawlFrontier>(_file, "bench").Version;

    [Benchmark]
    public long ReadStj() => JsonSerializer.Deserialize(_json, FrontierJsonContext.Default.CrawlFrontier)!.Version;

    [Benchmark]
    public long HeaderAndCrcOnly() => CheckpointSerializer.ReadHeader(_file, "bench").PayloadLength;

    [Benchmark]
    public int ReadUrlDictionary() => CheckpointSerializer.Deserialize<FrontierUrls>(_urlsFile, "bench").Urls.Count;

    [Benchmark]
    public int ReadHostDictionary() => CheckpointSerializer.Deserialize<FrontierHosts>(_hostsFile, "bench").Hosts.Count;

    [Benchmark]
    public int ReadQueue() => CheckpointSerializer.Deserialize<FrontierQueue>(_queueFile, "bench").Queue.Count;

    /// <summary>The floor for the strings: decoding the 110,000 keys and queue entries and nothing else.</summary>
    [Benchmark]
    public int DecodeStringsOnly()
    {
        var total = 0;
        foreach (var bytes in _urlBytes)
        {
            total += Encoding.UTF8.GetString(bytes).Length;
        }

        return total;
    }

    [Benchmark]
    public int Write() => CheckpointSerializer.Serialize(_state).Length;

    [Benchmark]
    public int WriteStj() => JsonSerializer.SerializeToUtf8Bytes(_state, FrontierJsonContext.Default.CrawlFrontier).Length;

    /// <summary>In-process, so that the run does not build a second copy of the project beside other builds.</summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}

[CheckpointState]
public sealed partial class FrontierUrls
{
    [Id(1)]
    public Dictionary<string, long> Urls { get; set; } = new(StringComparer.Ordinal);
}

[CheckpointState]
public sealed partial class FrontierHosts
{
    [Id(1)]
    public Dictionary<string, HostStats> Hosts { get; set; } = new(StringComparer.Ordinal);
}

[CheckpointState]
public sealed partial class FrontierQueue
{
    [Id(1)]
    public List<string> Queue { get; set; } = [];
}
