using System.Text;
using Bulwark.Shards;
using Xunit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// The behaviour every <see cref="IConsensus"/> owes its callers. Each store runs it through a subclass; the
/// PostgreSQL test project compiles this same file (linked, not copied), where <see cref="ConsensusFactAttribute"/>
/// skips without a PostgreSQL server locally and fails under CI=true.
/// </summary>
public abstract class ConsensusContractTests
{
    // Concurrency of the races: enough to interleave on 2 cores, few enough for a connection pool.
    private const int Racers = 12;

    public static TheoryData<string> HostileKeys => new()
    {
        "..",
        ".",
        "../escape",
        "../../etc/passwd",
        "/absolute",
        "a/b",
        "a\\..\\..\\b",
        "C:\\Windows",
        "CON",
        "nul.txt",
        " ",
        ".lock",
        "00000000000000000000",
        "line\nbreak\ttab",
        "ключ",
        "🔑 key",
        new string('x', ConsensusLimits.MaxKeyBytes),
    };

    protected abstract IConsensus Consensus { get; }

    // Its own helper, not ConsensusEntries: this file is compiled into every store's test project.
    protected static VersionedData Entry(long seqNo, string text) => new(seqNo, Encoding.UTF8.GetBytes(text));

    protected static string NewKey() => "shard/" + Guid.NewGuid().ToString("N");

    protected async Task<List<VersionedData>> ScanAllAsync(string key, long fromSeqNo = 0)
    {
        var found = new List<VersionedData>();
        await foreach (var entry in Consensus.ScanAsync(key, fromSeqNo, int.MaxValue))
        {
            found.Add(entry);
        }

        return found;
    }

    protected async Task CommitAsync(string key, long? expected, VersionedData next) =>
        Assert.Equal(CasResult.Committed(next.SeqNo), await Consensus.CompareAndSetAsync(key, expected, next));

    /// <summary>Writes entries 0..count-1 with data "v{seqNo}".</summary>
    protected async Task WriteChainAsync(string key, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await CommitAsync(key, i == 0 ? null : i - 1, Entry(i, $"v{i}"));
        }
    }

    [ConsensusFact]
    public async Task AnEmptyKeyHasNoHeadAndNoEntries()
    {
        var key = NewKey();
        Assert.Null(await Consensus.HeadAsync(key));
        Assert.Empty(await ScanAllAsync(key));
        Assert.Equal(0, await Consensus.TruncateAsync(key, 10));
    }

    [ConsensusFact]
    public async Task TheFirstEntryIsZeroAndEachNextIsTheHeadPlusOne()
    {
        var key = NewKey();
        Assert.Equal(CasResult.Committed(0), await Consensus.CompareAndSetAsync(key, null, Entry(0, "first")));
        Assert.Equal(Entry(0, "first"), await Consensus.HeadAsync(key));

        Assert.Equal(CasResult.Committed(1), await Consensus.CompareAndSetAsync(key, 0, Entry(1, "second")));
        Assert.Equal(Entry(1, "second"), await Consensus.HeadAsync(key));
        Assert.Equal([Entry(0, "first"), Entry(1, "second")], await ScanAllAsync(key));
    }

    [ConsensusFact]
    public async Task AMismatchReportsTheCurrentHeadAndWritesNothing()
    {
        var key = NewKey();
        Assert.Equal(CasResult.Mismatch(null), await Consensus.CompareAndSetAsync(key, 0, Entry(1, "no head yet")));
        Assert.Null(await Consensus.HeadAsync(key));

        await WriteChainAsync(key, 3);
        Assert.Equal(CasResult.Mismatch(2), await Consensus.CompareAndSetAsync(key, null, Entry(0, "again")));
        Assert.Equal(CasResult.Mismatch(2), await Consensus.CompareAndSetAsync(key, 1, Entry(2, "stale")));
        Assert.Equal(CasResult.Mismatch(2), await Consensus.CompareAndSetAsync(key, 0, Entry(1, "staler")));
        Assert.Equal(CasResult.Mismatch(2), await Consensus.CompareAndSetAsync(key, 7, Entry(8, "ahead")));

        Assert.Equal([Entry(0, "v0"), Entry(1, "v1"), Entry(2, "v2")], await ScanAllAsync(key));
        Assert.Equal(Entry(2, "v2"), await Consensus.HeadAsync(key));
    }

    [ConsensusFact]
    public async Task ConcurrentFirstWritesCommitExactlyOne()
    {
        var key = NewKey();
        var results = await RaceAsync(i => Consensus.CompareAndSetAsync(key, null, Entry(0, $"writer {i}")));

        var winner = Assert.Single(Enumerable.Range(0, Racers), i => results[i].IsCommitted);
        Assert.All(results.Where(r => !r.IsCommitted), r => Assert.Equal(CasResult.Mismatch(0), r));
        Assert.Equal(Entry(0, $"writer {winner}"), await Consensus.HeadAsync(key));
        Assert.Single(await ScanAllAsync(key));
    }

    [ConsensusFact]
    public async Task ConcurrentWritesAtTheSameHeadCommitExactlyOne()
    {
        var key = NewKey();
        await WriteChainAsync(key, 4);
        var results = await RaceAsync(i => Consensus.CompareAndSetAsync(key, 3, Entry(4, $"writer {i}")));

        var winner = Assert.Single(Enumerable.Range(0, Racers), i => results[i].IsCommitted);
        Assert.All(results.Where(r => !r.IsCommitted), r => Assert.Equal(CasResult.Mismatch(4), r));
        Assert.Equal(Entry(4, $"writer {winner}"), await Consensus.HeadAsync(key));
        Assert.Equal(5, (await ScanAllAsync(key)).Count);
    }

    [ConsensusFact]
    public async Task RacingWritersBuildOneGaplessChain()
    {
        var key = NewKey();
        const int Length = 40;
        var committed = new System.Collections.Concurrent.ConcurrentDictionary<long, string>();
        await RaceAsync(async writer =>
        {
            while (true)
            {
                var head = await Consensus.HeadAsync(key);
                var next = head is null ? 0 : head.SeqNo + 1;
                if (next >= Length)
                {
                    return CasResult.Committed(next);
                }

                var text = $"writer {writer} at {next}";
                var result = await Consensus.CompareAndSetAsync(key, head?.SeqNo, Entry(next, text));
                if (result.IsCommitted)
                {
                    Assert.True(committed.TryAdd(next, text), $"{next} was committed twice");
                }
                else
                {
                    Assert.True(result.HeadSeqNo >= next, $"a mismatch at {next} reported head {result.HeadSeqNo}");
                }
            }
        });

        var chain = await ScanAllAsync(key);
        Assert.Equal(Enumerable.Range(0, Length).Select(i => (long)i), chain.Select(e => e.SeqNo));
        Assert.All(chain, e => Assert.Equal(committed[e.SeqNo], Encoding.UTF8.GetString(e.Data.Span)));
    }

    [ConsensusFact]
    public async Task ScansAreAscendingFromTheGivenSeqNoAndStopAtTheLimit()
    {
        var key = NewKey();
        await WriteChainAsync(key, 6);

        Assert.Equal([2L, 3L, 4L], await SeqNosAsync(key, 2, 3));
        Assert.Equal([4L, 5L], await SeqNosAsync(key, 4, 10));
        Assert.Equal([0L], await SeqNosAsync(key, 0, 1));
        Assert.Empty(await SeqNosAsync(key, 6, 10));
        Assert.Empty(await SeqNosAsync(key, long.MaxValue, 1));
        Assert.Equal(Entry(3, "v3"), await Consensus.ScanAsync(key, 3, 1).SingleAsync());
    }

    [ConsensusFact]
    public async Task TruncationRemovesBelowButNeverTheHead()
    {
        var key = NewKey();
        await WriteChainAsync(key, 5);

        Assert.Equal(2, await Consensus.TruncateAsync(key, 2));
        Assert.Equal([2L, 3L, 4L], await SeqNosAsync(key, 0, 100));
        Assert.Equal(0, await Consensus.TruncateAsync(key, 2));
        Assert.Equal(0, await Consensus.TruncateAsync(key, 0));

        Assert.Equal(2, await Consensus.TruncateAsync(key, long.MaxValue));
        Assert.Equal([Entry(4, "v4")], await ScanAllAsync(key));
        Assert.Equal(Entry(4, "v4"), await Consensus.HeadAsync(key));
        Assert.Equal(0, await Consensus.TruncateAsync(key, long.MaxValue));

        // The key is not empty again: a first write is a mismatch, the next write follows the head.
        Assert.Equal(CasResult.Mismatch(4), await Consensus.CompareAndSetAsync(key, null, Entry(0, "reborn")));
        Assert.Equal(CasResult.Mismatch(4), await Consensus.CompareAndSetAsync(key, 1, Entry(2, "truncated")));
        await CommitAsync(key, 4, Entry(5, "v5"));
        Assert.Equal([4L, 5L], await SeqNosAsync(key, 0, 100));
    }

    [ConsensusFact]
    public async Task TruncationRacingWritesNeverRemovesTheHeadNorAnEntryAtOrAboveItsBound()
    {
        var key = NewKey();
        const int Length = 60;
        var done = 0;
        long highestBelow = 0;
        var writer = Task.Run(async () =>
        {
            try
            {
                await WriteChainAsync(key, Length);
            }
            finally
            {
                Volatile.Write(ref done, 1);
            }
        });
        var truncator = Task.Run(async () =>
        {
            var random = new Random(7);
            long lastHead = -1;
            while (Volatile.Read(ref done) == 0)
            {
                var head = await Consensus.HeadAsync(key);
                if (head is null)
                {
                    Assert.Equal(-1, lastHead);
                    await Task.Yield();
                    continue;
                }

                Assert.True(head.SeqNo >= lastHead, $"the head went back from {lastHead} to {head.SeqNo}");
                Assert.Equal($"v{head.SeqNo}", Encoding.UTF8.GetString(head.Data.Span));
                lastHead = head.SeqNo;
                var below = random.NextInt64(0, head.SeqNo + 4);
                await Consensus.TruncateAsync(key, below);
                highestBelow = Math.Max(highestBelow, below);
                Assert.NotNull(await Consensus.HeadAsync(key));
            }
        });
        await Task.WhenAll(writer, truncator);

        var left = await ScanAllAsync(key);
        Assert.Equal(Length - 1, left[^1].SeqNo);
        Assert.True(left[0].SeqNo <= Math.Min(highestBelow, Length - 1), $"entries from {left[0].SeqNo} left, but nothing at or above {highestBelow} may go");
        Assert.Equal(Enumerable.Range((int)left[0].SeqNo, left.Count).Select(i => (long)i), left.Select(e => e.SeqNo));
        Assert.All(left, e => Assert.Equal($"v{e.SeqNo}", Encoding.UTF8.GetString(e.Data.Span)));
    }

    [ConsensusTheory]
    [MemberData(nameof(HostileKeys))]
    public async Task AnyValidKeyIsItsOwnKey(string key)
    {
        var neighbour = key[..^1] + (key[^1] == '/' ? "\\" : "/");
        await CommitAsync(key, null, Entry(0, key));
        await CommitAsync(key, 0, Entry(1, "next"));
        await CommitAsync(neighbour, null, Entry(0, "neighbour"));

        Assert.Equal(Entry(1, "next"), await Consensus.HeadAsync(key));
        Assert.Equal([Entry(0, key), Entry(1, "next")], await ScanAllAsync(key));
        Assert.Equal(1, await Consensus.TruncateAsync(key, 1));
        Assert.Equal([Entry(0, "neighbour")], await ScanAllAsync(neighbour));
    }

    [ConsensusFact]
    public async Task KeysDifferingOnlyInCaseOrNormalizationAreDistinct()
    {
        string[] keys = ["Key", "key", "KEY", "caf\u00e9", "cafe\u0301"];
        for (var i = 0; i < keys.Length; i++)
        {
            await CommitAsync(keys[i], null, Entry(0, $"#{i}"));
        }

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(Entry(0, $"#{i}"), await Consensus.HeadAsync(keys[i]));
        }
    }

    [ConsensusFact]
    public async Task InvalidArgumentsAreRefusedNamingTheParameter()
    {
        var key = NewKey();
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentNullException>(() => Consensus.HeadAsync(null!))).ParamName);
        var reasons = new Dictionary<string, string>
        {
            [string.Empty] = "A consensus key must not be empty.",
            ["a\0b"] = "A consensus key must not contain NUL.",
            ["lone \ud800 surrogate"] = "A consensus key must not contain an unpaired UTF-16 surrogate.",
            [new string('x', ConsensusLimits.MaxKeyBytes + 1)] = $"A consensus key is at most {ConsensusLimits.MaxKeyBytes} UTF-8 bytes; this one has {ConsensusLimits.MaxKeyBytes + 1}.",
            [new string('й', (ConsensusLimits.MaxKeyBytes / 2) + 1)] = $"A consensus key is at most {ConsensusLimits.MaxKeyBytes} UTF-8 bytes; this one has {ConsensusLimits.MaxKeyBytes + 2}.",
        };
        foreach (var (bad, reason) in reasons)
        {
            Assert.Equal($"{reason} (Parameter 'key')", (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.HeadAsync(bad))).Message);
            Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.HeadAsync(bad))).ParamName);
            Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.CompareAndSetAsync(bad, null, Entry(0, "x")))).ParamName);
            Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.TruncateAsync(bad, 0))).ParamName);
            Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => ScanAllAsync(bad))).ParamName);
        }

        Assert.Equal("next", (await Assert.ThrowsAsync<ArgumentNullException>(() => Consensus.CompareAndSetAsync(key, null, null!))).ParamName);
        Assert.Equal(
            "next.SeqNo must be 0 (the first entry of a key is 0), not 1. (Parameter 'next')",
            (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.CompareAndSetAsync(key, null, Entry(1, "first is 0")))).Message);
        Assert.Equal(
            "next.SeqNo must be 5 (the expected head + 1), not 4. (Parameter 'next')",
            (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.CompareAndSetAsync(key, 4, Entry(4, "same")))).Message);
        Assert.Equal("next", (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.CompareAndSetAsync(key, 4, Entry(6, "skips")))).ParamName);
        Assert.Equal("expectedSeqNo", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Consensus.CompareAndSetAsync(key, -1, Entry(0, "x")))).ParamName);
        var last = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Consensus.CompareAndSetAsync(key, long.MaxValue, Entry(0, "x")));
        Assert.Equal(("expectedSeqNo", $"No sequence number follows long.MaxValue. (Parameter 'expectedSeqNo'){Environment.NewLine}Actual value was {long.MaxValue}."), (last.ParamName, last.Message));
        Assert.Equal("fromSeqNo", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SeqNosAsync(key, -1, 1))).ParamName);
        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SeqNosAsync(key, 0, 0))).ParamName);
        Assert.Equal("belowSeqNo", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Consensus.TruncateAsync(key, -1))).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VersionedData(-1, default));
        Assert.Null(await Consensus.HeadAsync(key));

        // The longest key is accepted.
        await CommitAsync(new string('й', ConsensusLimits.MaxKeyBytes / 2), null, Entry(0, "long key"));
    }

    [ConsensusFact]
    public async Task DataAboveTheBoundIsRefusedAndDataAtTheBoundRoundTrips()
    {
        var key = NewKey();
        var tooLarge = new VersionedData(0, new byte[ConsensusLimits.MaxDataBytes + 1]);
        Assert.Equal(
            $"An entry holds at most {ConsensusLimits.MaxDataBytes} bytes; this one has {ConsensusLimits.MaxDataBytes + 1}. (Parameter 'next')",
            (await Assert.ThrowsAsync<ArgumentException>(() => Consensus.CompareAndSetAsync(key, null, tooLarge))).Message);
        Assert.Null(await Consensus.HeadAsync(key));

        var large = new byte[ConsensusLimits.MaxDataBytes];
        new Random(11).NextBytes(large);
        await CommitAsync(key, null, new VersionedData(0, large));
        await CommitAsync(key, 0, new VersionedData(1, ReadOnlyMemory<byte>.Empty));
        Assert.Equal([new VersionedData(0, large), new VersionedData(1, Array.Empty<byte>())], await ScanAllAsync(key));
    }

    [ConsensusFact]
    public async Task StoredDataIsACopyOfTheCallersBuffer()
    {
        var key = NewKey();
        var buffer = "original"u8.ToArray();
        await CommitAsync(key, null, new VersionedData(0, buffer.AsMemory()));
        buffer.AsSpan().Fill((byte)'!');

        Assert.Equal(Entry(0, "original"), await Consensus.HeadAsync(key));
    }

    [ConsensusFact]
    public async Task CancelledCallsTakeNoEffect()
    {
        var key = NewKey();
        await WriteChainAsync(key, 2);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Consensus.CompareAndSetAsync(key, 1, Entry(2, "cancelled"), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Consensus.TruncateAsync(key, 1, cancelled.Token));
        // Also where there would be nothing to do: a key that holds no entry.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Consensus.TruncateAsync(NewKey(), 1, cancelled.Token));
        // Reads too, of a key that holds entries and of one that does not (where no entry read would notice).
        foreach (var read in new[] { key, NewKey() })
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Consensus.HeadAsync(read, cancelled.Token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var entry in Consensus.ScanAsync(read, 0, 10, cancelled.Token))
                {
                    Assert.Fail($"a cancelled scan returned {entry}");
                }
            });
        }

        Assert.Equal([Entry(0, "v0"), Entry(1, "v1")], await ScanAllAsync(key));
    }

    [ConsensusFact]
    public async Task A_key_whose_only_compare_and_set_was_a_mismatch_has_no_head_scans_empty_and_truncates_nothing()
    {
        var key = NewKey();

        Assert.Equal(CasResult.Mismatch(null), await Consensus.CompareAndSetAsync(key, 3, Entry(4, "never")));

        Assert.Null(await Consensus.HeadAsync(key));
        Assert.Empty(await ScanAllAsync(key));
        Assert.Equal(0, await Consensus.TruncateAsync(key, 10));
        Assert.Equal(CasResult.Committed(0), await Consensus.CompareAndSetAsync(key, null, Entry(0, "first")));
    }

    [ConsensusFact]
    public async Task A_scan_cancelled_while_it_is_read_stops_at_the_next_entry()
    {
        var key = NewKey();
        await WriteChainAsync(key, 3);
        using var cancellation = new CancellationTokenSource();
        var seen = new List<long>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var entry in Consensus.ScanAsync(key, 0, 10, cancellation.Token))
            {
                seen.Add(entry.SeqNo);
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal([0L], seen);
    }

    private async Task<List<long>> SeqNosAsync(string key, long fromSeqNo, int limit)
    {
        var seqNos = new List<long>();
        await foreach (var entry in Consensus.ScanAsync(key, fromSeqNo, limit))
        {
            seqNos.Add(entry.SeqNo);
        }

        return seqNos;
    }

    /// <summary>Starts <see cref="Racers"/> calls as close together as the thread pool allows; their results by racer.</summary>
    private static async Task<CasResult[]> RaceAsync(Func<int, Task<CasResult>> call)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, Racers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await call(i);
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(racers);
    }
}
