using System.Diagnostics.Metrics;
using Bulwark.Checkpoints;
using Bulwark.Serialization;
using Bulwark.Storage;
using Bulwark.Testing;
using Microsoft.Extensions.Logging;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

public sealed class CheckpointerTests
{
    [Fact]
    public async Task CommitRestoreAndRestartRoundTrip()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var first = await checkpointer.CommitAsync(new CheckpointDraft().SetState("counts", Bytes("c1")).AddSharedFile("b1.arrow", Bytes("batch one")));
        var second = await checkpointer.CommitAsync(new CheckpointDraft().SetState("counts", Bytes("c2")).SetState("offsets", Bytes("o2")).ReferenceSharedFile("b1.arrow"));
        Assert.Equal([first.Id, second.Id], checkpointer.Checkpoints.Select(c => c.Id));
        Assert.Equal(second.Id, checkpointer.Latest?.Id);
        Assert.Equal(7, first.Id.Version);

        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        Assert.Equal([first.Id, second.Id], restarted.Checkpoints.Select(c => c.Id));
        var restored = await restarted.RestoreLatestAsync();
        Assert.NotNull(restored);
        Assert.True(restored.TryGetState("offsets", out var offsets));
        Assert.Equal(Bytes("o2"), offsets.ToArray());
        Assert.Equal(["b1.arrow"], restored.SharedFiles.Select(f => f.Path));
        Assert.Equal(Bytes("batch one"), await restored.ReadSharedFileAsync("b1.arrow"));
        Assert.Equal(["counts", "offsets"], restored.Info.OperatorIds.Order());
    }

    [Fact]
    public async Task OnDiskLayoutMatchesTheDesign()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("counts", Bytes("c")).AddSharedFile("b.arrow", Bytes("b")));
        var root = (await crash.ListAsync(string.Empty)).Select(e => e.Name).ToArray();
        Assert.Equal(new[] { "b.arrow", Checkpointer.CatalogFileName, info.Id.ToString("D") }.Order(StringComparer.Ordinal), root.Order(StringComparer.Ordinal));
        Assert.Equal(["counts.state", Checkpointer.ManifestFileName], (await crash.ListAsync(info.Id.ToString("D"))).Select(e => e.Name));

        var catalog = System.Text.Json.JsonDocument.Parse(await crash.ReadAllBytesAsync(Checkpointer.CatalogFileName)).RootElement;
        Assert.Equal(1, catalog.GetProperty("formatVersion").GetInt32());
        Assert.Equal(info.Id.ToString("D"), catalog.GetProperty("checkpoints")[0].GetString());

        var manifest = System.Text.Json.JsonDocument.Parse(await crash.ReadAllBytesAsync(ManifestPath(info.Id))).RootElement;
        var files = manifest.GetProperty("files").EnumerateArray().ToArray();
        Assert.Equal(2, files.Length);
        var shared = files.Single(f => f.GetProperty("kind").GetString() == "shared");
        Assert.Equal("b.arrow", shared.GetProperty("path").GetString());
        Assert.Equal(1, shared.GetProperty("length").GetInt64());
        Assert.Equal(Crc32CReference(Bytes("b")), shared.GetProperty("crc32C").GetUInt32());
    }

    [Fact]
    public async Task CheckpointIdsComeFromTheTimeProvider()
    {
        var time = new ManualTime(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        await using var checkpointer = await Checkpointer.OpenAsync(new CrashSimulatingBackend(), timeProvider: time);
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("x")));
        Assert.Equal(time.GetUtcNow(), info.CreatedAt);
        var bytes = info.Id.ToByteArray(bigEndian: true);
        var millis = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), millis);
    }

    [Fact]
    public async Task TypedStatesGoThroughTheValidatedSerializer()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("counter", new CounterState { Total = 42 }));
        var restored = await checkpointer.RestoreAsync(info.Id);
        Assert.True(restored.TryGetState<CounterState>("counter", out var counter));
        Assert.Equal(42, counter.Total);
        Assert.False(restored.TryGetState<CounterState>("new-operator", out _));

        // Bytes that pass the manifest's CRC but are not a CounterState are still refused, by the serializer.
        var bogus = await checkpointer.CommitAsync(new CheckpointDraft().SetState("counter", new byte[48]));
        var restoredBogus = await checkpointer.RestoreAsync(bogus.Id);
        var error = Assert.Throws<CheckpointFormatException>(() => restoredBogus.TryGetState<CounterState>("counter", out _));
        Assert.Contains("counter.state", error.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACorruptedStateFileFailsItsChecksum()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("abcdef")));
        await WriteRawAsync(crash, StatePath(info.Id, "op"), Bytes("abcdeX"));
        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(info.Id));
        Assert.Equal(CheckpointProblemKind.WrongChecksum, Assert.Single(error.Problems).Kind);

        await WriteRawAsync(crash, StatePath(info.Id, "op"), Bytes("abc"));
        error = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await checkpointer.RestoreAsync(info.Id));
        Assert.Equal(CheckpointProblemKind.WrongSize, Assert.Single(error.Problems).Kind);
    }

    [Fact]
    public async Task GarbageCollectionKeepsTheUnionOfRetainedAndExceptedCheckpoints()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var c1 = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("1")).AddSharedFile("only1.arrow", Bytes("x")));
        var c2 = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).AddSharedFile("b2.arrow", Bytes("2")));
        var c3 = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("3")).ReferenceSharedFile("b1.arrow"));
        var c4 = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("4")));

        var result = await checkpointer.CollectGarbageAsync(retain: 1, except: [c3.Id]);
        Assert.Equal([c1.Id, c2.Id], result.RemovedCheckpoints);
        Assert.Equal([c3.Id, c4.Id], checkpointer.Checkpoints.Select(c => c.Id));
        Assert.NotNull(await crash.GetEntryAsync("b1.arrow"));
        Assert.Null(await crash.GetEntryAsync("b2.arrow"));
        Assert.Null(await crash.GetEntryAsync("only1.arrow"));
        Assert.Null(await crash.GetEntryAsync(c1.Id.ToString("D")));
        Assert.Contains("b2.arrow", result.DeletedPaths);

        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        Assert.Equal([c3.Id, c4.Id], restarted.Checkpoints.Select(c => c.Id));
        Assert.Equal(Bytes("1"), await (await restarted.RestoreAsync(c3.Id)).ReadSharedFileAsync("b1.arrow"));
    }

    [Fact]
    public async Task GarbageCollectionMakesTheShrunkenCatalogDurableBeforeDeleting()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("1")));
        var kept = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")));
        var start = faults.OperationCount;
        await checkpointer.CollectGarbageAsync(retain: 1);
        var trace = faults.Trace.Skip(start).ToArray();
        var catalogRename = Array.FindIndex(trace, op => op.Kind == StorageOperationKind.Rename && op.Path == Checkpointer.CatalogFileName);
        var commitPoint = Array.FindIndex(trace, catalogRename, op => op.Kind == StorageOperationKind.SyncDirectory && op.Path.Length == 0);
        var firstDeletion = Array.FindIndex(trace, op => op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory);
        Assert.True(catalogRename >= 0 && commitPoint > catalogRename && firstDeletion > commitPoint);
        Assert.Equal([kept.Id], checkpointer.Checkpoints.Select(c => c.Id));
        _ = crash;
    }

    [Fact]
    public async Task StartupRemovesDirectoriesOfUnfinishedCommitsOnlyAfterReadingTheCatalog()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        var kept = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("1")));
        faults.FailWhen(op => (op.Path == Checkpointer.CatalogFileName && op.Kind != StorageOperationKind.Read) || op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory, permanent: true);
        await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).ReferenceSharedFile("b1.arrow").AddSharedFile("b2.arrow", Bytes("2"))));
        var state = crash.Crash();
        var orphan = state.Directories.Single(d => d != kept.Id.ToString("D"));

        var backend = CrashSimulatingBackend.FromState(state);
        await using var reopened = await Checkpointer.OpenAsync(backend);
        Assert.Equal([kept.Id], reopened.Checkpoints.Select(c => c.Id));
        Assert.Null(await backend.GetEntryAsync(orphan));
        Assert.Null(await backend.GetEntryAsync("b2.arrow"));
        Assert.NotNull(await backend.GetEntryAsync("b1.arrow"));
        var trace = backend.Trace;
        var lastManifestRead = trace.Select((op, i) => (op, i)).Last(p => p.op.Kind == StorageOperationKind.Read && p.op.Path == ManifestPath(kept.Id)).i;
        var firstDeletion = trace.Select((op, i) => (op, i)).First(p => p.op.Kind is StorageOperationKind.Delete or StorageOperationKind.DeleteDirectory).i;
        Assert.True(lastManifestRead < firstDeletion);
    }

    [Fact]
    public async Task MalformedOrOversizedCatalogIsATypedErrorAndNothingIsDeleted()
    {
        foreach (var catalog in new[] { "{", "{\"formatVersion\":2,\"checkpoints\":[]}", "{\"formatVersion\":1}", "{\"formatVersion\":1,\"checkpoints\":[\"../x\"]}", "{\"formatVersion\":1,\"checkpoints\":[null]}" })
        {
            var (crash, _, checkpointer) = await NewStoreAsync();
            await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
            await checkpointer.DisposeAsync();
            await WriteRawAsync(crash, Checkpointer.CatalogFileName, Bytes(catalog));
            var before = ContentKey(crash);
            var error = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await Checkpointer.OpenAsync(crash));
            Assert.Equal(Checkpointer.CatalogFileName, Assert.Single(error.Problems).Path);
            Assert.Equal(before, ContentKey(crash));
        }

        var (big, _, bigCheckpointer) = await NewStoreAsync();
        await bigCheckpointer.DisposeAsync();
        await WriteRawAsync(big, Checkpointer.CatalogFileName, new byte[2000]);
        var tooLarge = await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await Checkpointer.OpenAsync(big, new CheckpointerOptions { MaxCatalogBytes = 1000 }));
        Assert.Equal(CheckpointProblemKind.TooLarge, Assert.Single(tooLarge.Problems).Kind);
    }

    [Fact]
    public async Task OversizedManifestIsRefusedBeforeParsing()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var info = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
        await checkpointer.DisposeAsync();
        var start = crash.TraceCount;
        await using var reopened = await Checkpointer.OpenAsync(crash, new CheckpointerOptions { MaxManifestBytes = 10 });
        var error = Assert.Contains(info.Id, reopened.DamagedCheckpoints);
        Assert.Equal(CheckpointProblemKind.TooLarge, Assert.Single(error.Problems).Kind);
        Assert.Equal(ManifestPath(info.Id), error.Problems[0].Path);
        Assert.DoesNotContain(crash.Trace.Skip(start), op => op.Kind == StorageOperationKind.Read && op.Path == ManifestPath(info.Id));
    }

    [Fact]
    public async Task DraftsAreValidated()
    {
        var draft = new CheckpointDraft();
        Assert.Throws<ArgumentException>(() => draft.SetState("../op", Bytes("x")));
        Assert.Throws<ArgumentException>(() => draft.SetState(".hidden", Bytes("x")));
        Assert.Throws<ArgumentException>(() => draft.SetState("", Bytes("x")));
        Assert.Throws<ArgumentException>(() => draft.AddSharedFile("dir/b.arrow", Bytes("x")));
        Assert.Throws<ArgumentException>(() => draft.AddSharedFile(Checkpointer.CatalogFileName, Bytes("x")));
        Assert.Throws<ArgumentException>(() => draft.AddSharedFile(Guid.NewGuid().ToString("D"), Bytes("x")));
        Assert.Throws<ArgumentException>(() => draft.AddSharedFile("../b.arrow", Bytes("x")));

        var (_, _, checkpointer) = await NewStoreAsync();
        await Assert.ThrowsAsync<ArgumentException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().ReferenceSharedFile("never-written.arrow")));
        await checkpointer.CommitAsync(new CheckpointDraft().AddSharedFile("b.arrow", Bytes("one")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().AddSharedFile("b.arrow", Bytes("two"))));
        await checkpointer.CommitAsync(new CheckpointDraft().AddSharedFile("b.arrow", Bytes("one")));
        Assert.Equal(2, checkpointer.Checkpoints.Count);
    }

    [Fact]
    public async Task CancellationLeavesTheListUnchanged()
    {
        var (crash, faults, checkpointer) = await NewStoreAsync();
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")));
        using var cancel = new CancellationTokenSource();
        faults.FailWhen(op =>
        {
            if (op.Kind == StorageOperationKind.Create && op.Path.EndsWith(Checkpointer.ManifestFileName, StringComparison.Ordinal))
            {
                cancel.Cancel();
            }

            return false;
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")), cancel.Token));
        Assert.Single(checkpointer.Checkpoints);
        await using var restarted = await Checkpointer.OpenAsync(CrashSimulatingBackend.FromState(crash.Crash()));
        Assert.Single(restarted.Checkpoints);
    }

    [Fact]
    public async Task MetricsAndLogsReportCommitsFsyncsDeletionsAndFailures()
    {
        var measurements = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Checkpointer.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (measurements)
            {
                measurements[instrument.Name] = measurements.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        var logger = new ListLogger();
        var crash = new CrashSimulatingBackend();
        var faults = new FaultInjectingBackend(crash);
        await using var checkpointer = await Checkpointer.OpenAsync(faults, logger: logger);
        var scope = crash.Description;
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b.arrow", Bytes("b")));
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")));
        faults.FailWhen(StorageOperationKind.Rename, p => p == Checkpointer.CatalogFileName);
        await Assert.ThrowsAsync<CheckpointCommitException>(async () => await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("3"))));
        await checkpointer.CollectGarbageAsync(retain: 1);
        listener.RecordObservableInstruments();

        // Other tests run in parallel and share the static meter, so only lower bounds are meaningful.
        Assert.True(measurements.GetValueOrDefault("bulwark.checkpoints.commits") >= 2);
        Assert.True(measurements.GetValueOrDefault("bulwark.checkpoints.fsyncs") >= 10);
        Assert.True(measurements.GetValueOrDefault("bulwark.checkpoints.bytes_written") > 0);
        Assert.True(measurements.GetValueOrDefault("bulwark.checkpoints.gc_deletions") >= 2);
        Assert.True(measurements.GetValueOrDefault("bulwark.checkpoints.failures") >= 1);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("Committed checkpoint", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("WriteCatalog", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Message.Contains("Garbage collection", StringComparison.Ordinal));
        Assert.NotEmpty(scope);
    }

    [Fact]
    public async Task WorksOnTheLocalFileSystem()
    {
        var root = Path.Combine(Path.GetTempPath(), "bulwark-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Guid id;
            await using (var checkpointer = await Checkpointer.OpenAsync(new LocalFileSystemBackend(root)))
            {
                await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("1")).AddSharedFile("b1.arrow", Bytes("one")));
                id = (await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("2")).ReferenceSharedFile("b1.arrow"))).Id;
                await checkpointer.CollectGarbageAsync(retain: 1);
            }

            await using (var reopened = await Checkpointer.OpenAsync(new LocalFileSystemBackend(root)))
            {
                var restored = await reopened.RestoreLatestAsync();
                Assert.Equal(id, restored?.Id);
                Assert.Equal(Bytes("one"), await restored!.ReadSharedFileAsync("b1.arrow"));
            }

            Assert.True(File.Exists(Path.Combine(root, Checkpointer.CatalogFileName)));
            Assert.True(File.Exists(Path.Combine(root, id.ToString("D"), Checkpointer.ManifestFileName)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class ListLogger : ILogger<Checkpointer>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}

/// <summary>A hand-written state type, as the generator would emit it for <c>[Id(1)] long Total</c>.</summary>
internal sealed class CounterState : ICheckpointState<CounterState>
{
    public long Total { get; set; }

    public static string StateTypeName => "Bulwark.Runtime.Tests.Checkpoints.CounterState";

    public static ulong SchemaFingerprint => 0x5EED_0001UL;

    public void WriteState(ref CheckpointWriter writer)
    {
        writer.WriteTag(1, CheckpointWireKind.Varint);
        writer.WriteInt64(Total);
    }

    public static CounterState ReadState(ref CheckpointReader reader)
    {
        var state = new CounterState();
        var seen = false;
        while (reader.ReadField(out var id, out var kind))
        {
            if (id == 1)
            {
                reader.BeginField(nameof(Total), kind, CheckpointWireKind.Varint, ref seen);
                state.Total = reader.ReadInt64();
                reader.EndField();
            }
            else
            {
                reader.SkipField(id, kind);
            }
        }

        return state;
    }
}
