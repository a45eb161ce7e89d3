using System.Globalization;
using System.Text;

namespace Bulwark.Bench.CostCodebase;

/// <summary>
/// The files of the codebase. Most are ordinary storage and background-work code that uses no Bulwark contract
/// (segment files, readers with bounded lengths, workers, caches, publishers that rename and sync, configuration);
/// one in ten uses the Bulwark-like contracts correctly, and one in fifty carries a seeded bug.
/// </summary>
internal static class Templates
{
    public const int Kinds = 6;

    public static readonly string[] KindNames = ["segment", "reader", "worker", "cache", "publisher", "settings", "durable", "seeded"];

    public static (int Kind, string Text) File(int index)
    {
        var kind = index % 50 == 7 ? Kinds + 1 : index % 10 == 3 ? Kinds : index % Kinds;
        var body = kind switch
        {
            0 => Segment,
            1 => Reader,
            2 => Worker,
            3 => Cache,
            4 => Publisher,
            5 => Settings,
            6 => Shapes.Durable,
            _ => Shapes.Durable + Shapes.Seeded[index / 50 % Shapes.Seeded.Length],
        };
        var name = KindNames[kind] switch
        {
            "seeded" => "Durable",
            var n => char.ToUpperInvariant(n[0]) + n[1..],
        };
        var text = new StringBuilder();
        text.Append("""
            using System.Buffers;
            using System.Buffers.Binary;
            using System.Collections.Concurrent;
            using System.Text;
            using Cost;

            """);
        text.Append(CultureInfo.InvariantCulture, $"namespace Cost.M{index % 40:00};\n\n");
        text.Append(CultureInfo.InvariantCulture, $"public sealed partial {(kind == 5 ? "record" : "class")} {name}$N\n{{\n");
        text.Append(body);
        text.Append("}\n");
        return (kind, text.ToString()
            .Replace("$N", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$K", (index % 7).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    private const string Segment = """
            private const int MaxRecord = 1 << 20;
            private readonly string _path;
            private readonly object _gate = new();
            private long _appended;

            public Segment$N(string directory) => _path = Path.Combine(directory, "segment-$N.log");

            public long Appended => Interlocked.Read(ref _appended);

            public void Append(ReadOnlySpan<byte> record)
            {
                Span<byte> header = stackalloc byte[8];
                BinaryPrimitives.WriteInt32LittleEndian(header, record.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Checksum(record));
                lock (_gate)
                {
                    using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
                    file.Write(header);
                    file.Write(record);
                    file.Flush(flushToDisk: true);
                }

                Interlocked.Add(ref _appended, record.Length + header.Length);
            }

            public IEnumerable<byte[]> ReadAll()
            {
                using var file = File.OpenRead(_path);
                var header = new byte[8];
                while (file.Read(header, 0, header.Length) == header.Length)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                    if (length < 0 || length > MaxRecord)
                    {
                        throw new InvalidDataException($"{_path}: corrupt record length {length} at {file.Position - 8}");
                    }

                    var record = new byte[length];
                    file.ReadExactly(record);
                    if (Checksum(record) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)))
                    {
                        throw new InvalidDataException($"{_path}: checksum mismatch at {file.Position - length}");
                    }

                    yield return record;
                }
            }

            private static uint Checksum(ReadOnlySpan<byte> bytes)
            {
                uint sum = 2166136261;
                foreach (var b in bytes)
                {
                    sum = unchecked((sum ^ b) * 16777619);
                }

                return sum;
            }

        """;

    private const string Reader = """
            private const int MaxEntries = 1 << 16;
            private readonly Stream _stream;

            public Reader$N(Stream stream) => _stream = stream;

            public async Task<IReadOnlyList<(long Key, string Value)>> ReadIndexAsync(CancellationToken ct)
            {
                var header = new byte[12];
                await _stream.ReadExactlyAsync(header, ct);
                var magic = BinaryPrimitives.ReadInt32BigEndian(header);
                if (magic != 0x1D$K0BEEF)
                {
                    throw new InvalidDataException($"not an index file: magic {magic:x8}");
                }

                var count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                if (count is < 0 or > MaxEntries)
                {
                    throw new InvalidDataException($"corrupt entry count {count}");
                }

                var entries = new List<(long, string)>(count);
                var buffer = ArrayPool<byte>.Shared.Rent(4096);
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        await _stream.ReadExactlyAsync(buffer.AsMemory(0, 10), ct);
                        var key = BinaryPrimitives.ReadInt64BigEndian(buffer);
                        var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(8));
                        if (length > buffer.Length)
                        {
                            throw new InvalidDataException($"entry {i}: value of {length} bytes exceeds the buffer");
                        }

                        await _stream.ReadExactlyAsync(buffer.AsMemory(0, length), ct);
                        entries.Add((key, Encoding.UTF8.GetString(buffer, 0, length)));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                return entries;
            }

        """;

    private const string Worker = """
            private readonly ConcurrentQueue<string> _work = new();
            private readonly ILog _log;
            private long _processed;
            private long _failed;

            public Worker$N(ILog log) => _log = log;

            public void Enqueue(string item) => _work.Enqueue(item);

            public Task Start(CancellationToken ct) => Task.Run(() => RunAsync(ct), ct);

            private async Task RunAsync(CancellationToken ct)
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100 + $K));
                while (await timer.WaitForNextTickAsync(ct))
                {
                    try
                    {
                        while (_work.TryDequeue(out var item))
                        {
                            await ProcessAsync(item, ct);
                            Interlocked.Increment(ref _processed);
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception error)
                    {
                        Interlocked.Increment(ref _failed);
                        _log.Error(error, "worker $N");
                    }
                }
            }

            private static async Task ProcessAsync(string item, CancellationToken ct)
            {
                var path = Path.Combine(Path.GetTempPath(), "work-$N", item);
                var text = await File.ReadAllTextAsync(path, ct);
                Metrics.Shared.Add("worker.bytes", text.Length);
            }

            public string Describe() => $"worker $N: {Interlocked.Read(ref _processed)} done, {Interlocked.Read(ref _failed)} failed";

        """;

    private const string Cache = """
            private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
            private readonly TimeProvider _time;
            private int _version;

            public Cache$N(TimeProvider time) => _time = time;

            private sealed record Entry(string Key, byte[] Value, DateTimeOffset Expires);

            public bool TryGet(string key, out byte[] value)
            {
                if (_entries.TryGetValue(key, out var entry) && entry.Expires > _time.GetUtcNow())
                {
                    value = entry.Value;
                    return true;
                }

                value = Array.Empty<byte>();
                return false;
            }

            public void Put(string key, byte[] value, TimeSpan ttl)
            {
                _entries[key] = new Entry(key, value, _time.GetUtcNow() + ttl);
                int seen;
                do
                {
                    seen = Volatile.Read(ref _version);
                }
                while (Interlocked.CompareExchange(ref _version, seen + 1, seen) != seen);
            }

            public int Evict()
            {
                var now = _time.GetUtcNow();
                var expired = _entries.Values.Where(e => e.Expires <= now).Select(e => e.Key).ToList();
                foreach (var key in expired)
                {
                    _entries.TryRemove(key, out _);
                }

                return expired.Count;
            }

            public IReadOnlyDictionary<string, int> SizesByPrefix() =>
                _entries.Values
                    .GroupBy(e => e.Key.Split('/')[0], StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Sum(e => e.Value.Length), StringComparer.Ordinal);

        """;

    private const string Publisher = """
            private readonly string _directory;

            public Publisher$N(string directory) => _directory = directory;

            public async Task PublishAsync(string name, byte[] content, CancellationToken ct)
            {
                var final = Path.Combine(_directory, name);
                var temp = final + ".tmp-$N";
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
                {
                    await file.WriteAsync(content, ct);
                    file.Flush(flushToDisk: true);
                }

                File.Move(temp, final, overwrite: true);
                Fs.SyncDirectory(_directory);
            }

            public async Task<string?> ReadCurrentAsync(string name, CancellationToken ct)
            {
                var path = Path.Combine(_directory, name);
                return File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : null;
            }

            public IEnumerable<string> Stale(TimeSpan age) =>
                Directory.EnumerateFiles(_directory, "*.tmp-*")
                    .Where(f => DateTime.UtcNow - File.GetLastWriteTimeUtc(f) > age)
                    .OrderBy(f => f, StringComparer.Ordinal);

        """;

    private const string Settings = """
            public string Name { get; init; } = "store-$N";
            public int Shards { get; init; } = $K + 1;
            public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds($K + 1);
            public long MaxSegmentBytes { get; init; } = 64L << 20;
            public Dictionary<string, string> Tags { get; init; } = new(StringComparer.Ordinal);

            public static Settings$N Parse(IEnumerable<string> lines)
            {
                var settings = new Settings$N();
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#'))
                {
                    var equals = line.IndexOf('=');
                    if (equals <= 0)
                    {
                        throw new FormatException($"'{line}' is not key=value");
                    }

                    var key = line[..equals].Trim();
                    var value = line[(equals + 1)..].Trim();
                    settings = key switch
                    {
                        "name" => settings with { Name = value },
                        "shards" => settings with { Shards = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                        "flush" => settings with { FlushInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                        "segment" => settings with { MaxSegmentBytes = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                        _ when key.StartsWith("tag.", StringComparison.Ordinal) => settings,
                        _ => throw new FormatException($"unknown setting '{key}'"),
                    };
                    if (key.StartsWith("tag.", StringComparison.Ordinal))
                    {
                        tags[key[4..]] = value;
                    }
                }

                return settings with { Tags = tags };
            }

            public IEnumerable<string> Validate()
            {
                if (Shards is < 1 or > 1024) yield return $"shards must be 1..1024, not {Shards}";
                if (FlushInterval <= TimeSpan.Zero) yield return "flush interval must be positive";
                if (MaxSegmentBytes < 4096) yield return $"segments of {MaxSegmentBytes} bytes are too small";
            }

        """;
}
