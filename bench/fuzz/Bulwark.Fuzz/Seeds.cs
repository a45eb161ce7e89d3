using Bulwark.Arrow;
using Bulwark.Checkpoints;
using Bulwark.Ingest;
using Bulwark.Parquet;
using Bulwark.Serialization;
using Bulwark.Shards;
using Bulwark.Storage;

namespace Bulwark.Fuzz;

/// <summary>
/// Writes the seed corpus: small valid inputs of every target, produced by Bulwark's own writers (`Bulwark.Fuzz seed
/// DIR`, run by bench/fuzz/make-seeds.sh). Small inputs keep afl-fuzz fast; variety (types, codecs, page versions,
/// dictionaries, nulls, nesting) gives it the paths to start from.
/// </summary>
internal static class Seeds
{
    public static async Task WriteAllAsync(string root)
    {
        var seeds = new List<(string Target, string Name, byte[] Bytes)>();
        var scratch = Directory.CreateTempSubdirectory("bulwark-fuzz-seeds-");
        try
        {
            foreach (var compression in Enum.GetValues<ArrowCompression>())
            {
                foreach (var format in Enum.GetValues<ArrowIpcFormat>())
                {
                    var path = Path.Combine(scratch.FullName, $"{format}-{compression}");
                    await ArrowFile.WriteAsync(path, Visits(4, seed: (int)compression), new ArrowWriteOptions { Format = format, Compression = compression, BatchSize = 2 });
                    var target = format == ArrowIpcFormat.File ? ArrowTargets.File.Name : ArrowTargets.Stream.Name;
                    seeds.Add((target, $"visits-{compression}.bin".ToLowerInvariant(), await File.ReadAllBytesAsync(path)));
                }
            }

            foreach (var format in Enum.GetValues<ArrowIpcFormat>())
            {
                var path = Path.Combine(scratch.FullName, $"edges-{format}");
                await ArrowFile.WriteAsync(path, Enumerable.Range(0, 3).Select(i => new Edge(i, "d" + i)), new ArrowWriteOptions { Format = format });
                var target = format == ArrowIpcFormat.File ? ArrowTargets.File.Name : ArrowTargets.Stream.Name;
                seeds.Add((target, "edges.bin", await File.ReadAllBytesAsync(path)));
            }

            var codecs = Enum.GetValues<ParquetCompression>();
            for (var i = 0; i < codecs.Length; i++)
            {
                var version = i % 2 == 0 ? ParquetDataPageVersion.V1 : ParquetDataPageVersion.V2;
                var path = Path.Combine(scratch.FullName, $"{codecs[i]}.parquet");
                await ParquetFile.WriteAsync(path, Visits(5, seed: i), new ParquetWriteOptions { Compression = codecs[i], DataPageVersion = version, PageSize = 256, WritePageChecksums = false });
                var bytes = await File.ReadAllBytesAsync(path);
                seeds.Add((ParquetTargets.File.Name, $"visits-{codecs[i]}-{version}.bin".ToLowerInvariant(), bytes));
                if (codecs[i] == ParquetCompression.None)
                {
                    AddThriftSeeds(seeds, bytes);
                }
            }

            var plain = Path.Combine(scratch.FullName, "plain.parquet");
            await ParquetFile.WriteAsync(plain, Visits(3, seed: 9), new ParquetWriteOptions { Compression = ParquetCompression.None, DictionaryEnabled = false, WritePageChecksums = true });
            seeds.Add((ParquetTargets.File.Name, "visits-plain-checksums.bin", await File.ReadAllBytesAsync(plain)));

            seeds.AddRange(CheckpointSeeds());
            seeds.AddRange(CommitSeeds());
            seeds.AddRange(await ShardSeedsAsync());
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        foreach (var (target, name, bytes) in seeds)
        {
            var directory = Path.Combine(root, target);
            Directory.CreateDirectory(directory);
            await File.WriteAllBytesAsync(Path.Combine(directory, "seed-" + name), bytes);
            Console.WriteLine($"{target}/seed-{name}: {bytes.Length} bytes");
        }
    }

    private static IEnumerable<Visit> Visits(int count, int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var odd = i % 2 == 1;
            yield return new Visit(
                Id: i,
                Status: odd ? null : 200 + i,
                Url: $"https://example.org/{random.Next(1000)}",
                Referrer: odd ? "https://example.org/" : null,
                Fresh: odd,
                Score: random.NextDouble(),
                Weight: odd ? 1.5f : null,
                Small: (short)-i,
                Tiny: (byte)i,
                Big: ulong.MaxValue - (ulong)i,
                Amount: 12.34m * i,
                At: start.AddSeconds(i),
                Day: new DateOnly(2025, 3, 1 + i),
                Clock: new TimeOnly(1, 2, i),
                Took: TimeSpan.FromMilliseconds(10 * i),
                Trace: new Guid(i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                Kind: (VisitKind)(i % 3),
                Body: odd ? null : [(byte)i, 1, 2],
                Tags: [.. Enumerable.Range(0, i % 3).Select(k => "t" + k)],
                Sizes: odd ? [i, i + 1] : null,
                From: odd ? new Origin("example.org", 443) : null);
        }
    }

    /// <summary>The footer and the first page header of an uncompressed file, behind the selector byte of the thrift target.</summary>
    private static void AddThriftSeeds(List<(string, string, byte[])> seeds, byte[] parquet)
    {
        var footerLength = BitConverter.ToInt32(parquet, parquet.Length - 8);
        var footer = parquet.AsSpan(parquet.Length - 8 - footerLength, footerLength);
        seeds.Add((ParquetTargets.Thrift.Name, "file-metadata.bin", [0, .. footer]));
        var pageHeader = parquet.AsSpan(4, Math.Min(64, parquet.Length - 12));
        seeds.Add((ParquetTargets.Thrift.Name, "page-header.bin", [1, .. pageHeader]));
    }

    private static IEnumerable<(string, string, byte[])> CheckpointSeeds()
    {
        var state = new CrawlState
        {
            Version = 3,
            Name = "crawl",
            Rate = 0.25,
            Done = true,
            Cursor = [1, 2, 3],
            Queue = ["https://example.org/a", "https://example.org/b"],
            Visits = new(StringComparer.Ordinal) { ["example.org"] = 2, ["example.net"] = -1 },
            Source = new SourceOffsets { Offset = 42, Partitions = [1, 2, 3] },
            Errors = -7,
            Run = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
            Started = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.FromHours(2)),
        };
        yield return (CheckpointTargets.State.Name, "crawl.bin", CheckpointSerializer.Serialize(state));
        yield return (CheckpointTargets.State.Name, "empty.bin", CheckpointSerializer.Serialize(new CrawlState()));

        var id = CheckpointTargets.ManifestId;
        var files = new List<CheckpointFileInfo>
        {
            new(CheckpointFiles.StatePath(id, "counts"), CheckpointFileKind.State, "counts", 120, 0x1234_5678),
            new(CheckpointFiles.StatePath(id, "offsets"), CheckpointFileKind.State, "offsets", 0, 0),
            new("b1.arrow", CheckpointFileKind.Shared, null, 4096, 0xdead_beef),
        };
        yield return (CheckpointTargets.Manifest.Name, "three-files.bin", CheckpointFiles.EncodeManifest(new CheckpointInfo(id, new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), files)));
        yield return (CheckpointTargets.Manifest.Name, "no-files.bin", CheckpointFiles.EncodeManifest(new CheckpointInfo(id, DateTimeOffset.UnixEpoch, [])));
        yield return (CheckpointTargets.Catalog.Name, "two.bin", CheckpointFiles.EncodeCatalog([id, new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8")], 3));
        yield return (CheckpointTargets.Catalog.Name, "empty.bin", CheckpointFiles.EncodeCatalog([], 0));
    }

    private static IEnumerable<(string, string, byte[])> CommitSeeds()
    {
        const long flush = IngestTargets.Flush;
        const string writer = IngestTargets.Writer;
        var commit = new IngestCommit(
            flush,
            writer,
            new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero),
            [
                new IngestCommitFile("visits", CommitNames.PartPath("visits", flush, writer, ".parquet"), 10, 2048, 0x1234_5678, [new IngestVisitRows(1, 6), new IngestVisitRows(2, 4)]),
                new IngestCommitFile("links", CommitNames.PartPath("links", flush, writer, ".arrow"), 3, 512, 0xdead_beef, [new IngestVisitRows(2, 3)]),
            ],
            [1],
            [new IncompleteVisit(3, "the visit was cancelled")]);
        yield return (IngestTargets.Commit.Name, "two-tables.bin", CommitRecordCodec.Encode(commit));
        yield return (IngestTargets.Commit.Name, "empty.bin", CommitRecordCodec.Encode(new IngestCommit(flush, writer, DateTimeOffset.UnixEpoch, [], [], [])));
    }

    /// <summary>A real shard on in-memory consensus and storage: two appends by a writer, a reader's hold, one part each.</summary>
    private static async Task<IEnumerable<(string, string, byte[])>> ShardSeedsAsync()
    {
        var seeds = new List<(string, string, byte[])>();
        var consensus = new InMemoryConsensus();
        var blob = new InMemoryBackend();
        var shard = await Shard<Edge>.OpenAsync(ShardTargets.ShardId, consensus, blob);
        var key = ShardNames.ConsensusKey(ShardTargets.ShardId);
        seeds.Add((ShardTargets.State.Name, "initial.bin", (await consensus.HeadAsync(key))!.Data.ToArray()));
        await using (var writer = await shard.OpenWriterAsync("writer-1"))
        {
            await writer.CompareAndAppendAsync([new Update<Edge>(new Edge(1, "a"), 0, 1), new Update<Edge>(new Edge(2, "b"), 0, 1)], 0, 1, Guid.NewGuid());
            await writer.CompareAndAppendAsync([new Update<Edge>(new Edge(1, "a"), 1, -1), new Update<Edge>(new Edge(3, "c"), 1, 2)], 1, 2, Guid.NewGuid());
            await using var reader = await shard.OpenReaderAsync("reader-1", hold: 1);
            seeds.Add((ShardTargets.State.Name, "two-parts-writer-reader.bin", (await consensus.HeadAsync(key))!.Data.ToArray()));
        }

        var parts = (await blob.ListAsync(ShardNames.PartsDirectory(ShardTargets.ShardId))).Where(e => !e.IsDirectory).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            seeds.Add((ShardTargets.Part.Name, $"part-{i}.bin", await blob.ReadAllBytesAsync(parts[i].Path)));
        }

        return seeds;
    }
}
