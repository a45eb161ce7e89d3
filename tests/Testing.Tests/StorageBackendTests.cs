using System.Text;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Testing.Tests;

/// <summary>What the fault-injecting and crash-simulating backends do beyond the storage contract: faults, traces, crashes.</summary>
public sealed class StorageBackendTests
{
    [Fact]
    public async Task FailAtFailsTheNthOperationOnceOrForever()
    {
        var faults = new FaultInjectingBackend(new CrashSimulatingBackend());
        await faults.CreateDirectoryAsync("d");
        faults.FailAt(2);
        await faults.GetEntryAsync("d");
        var error = await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.ListAsync("d"));
        Assert.Equal(StorageOperationKind.List, error.Operation.Kind);
        Assert.False(error.IsPermanent);
        await faults.ListAsync("d");

        faults.FailAt(1, permanent: true);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.ListAsync("d"));
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.GetEntryAsync("d"));
        faults.ClearFaults();
        await faults.ListAsync("d");
        Assert.Equal(3, faults.FaultsFired);
        Assert.IsAssignableFrom<StorageException>(error);
    }

    [Fact]
    public async Task EveryOperationKindCanBeFailedAndIsTraced()
    {
        var crash = new CrashSimulatingBackend();
        var faults = new FaultInjectingBackend(crash);
        await WriteRawAsync(faults, "a/f.bin", Bytes("x"));
        var kinds = faults.Trace.Select(op => op.Kind).ToHashSet();
        Assert.Superset(new HashSet<StorageOperationKind> { StorageOperationKind.Create, StorageOperationKind.Write, StorageOperationKind.Flush, StorageOperationKind.Rename, StorageOperationKind.SyncDirectory }, kinds);

        foreach (var kind in new[] { StorageOperationKind.Create, StorageOperationKind.Write, StorageOperationKind.Flush, StorageOperationKind.Rename })
        {
            faults.FailWhen(kind);
            await Assert.ThrowsAsync<InjectedFaultException>(async () => await WriteRawAsync(faults, "a/g.bin", Bytes("y")));
            Assert.Null(await crash.GetEntryAsync("a/g.bin"));
        }

        faults.FailWhen(StorageOperationKind.SyncDirectory, p => p == "a");
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.SyncDirectoryAsync("a"));
        faults.FailWhen(StorageOperationKind.Read);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.ReadAllBytesAsync("a/f.bin"));
        faults.FailWhen(StorageOperationKind.GetEntry);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.GetEntryAsync("a/f.bin"));
        faults.FailWhen(StorageOperationKind.Delete);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.DeleteAsync("a/f.bin"));
        Assert.NotNull(await crash.GetEntryAsync("a/f.bin"));
        faults.FailWhen(StorageOperationKind.DeleteDirectory);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.DeleteDirectoryAsync("a"));
        faults.FailWhen(StorageOperationKind.CreateDirectory);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await faults.CreateDirectoryAsync("b"));
        Assert.Null(await crash.GetEntryAsync("b"));
    }

    [Fact]
    public async Task AnAfterFaultPerformsTheOperationAndStillReportsFailure()
    {
        var crash = new CrashSimulatingBackend();
        var faults = new FaultInjectingBackend(crash);
        faults.FailWhen(StorageOperationKind.Rename, timing: FaultTiming.After);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await WriteRawAsync(faults, "f.bin", Bytes("x")));
        Assert.Equal(Bytes("x"), await crash.ReadAllBytesAsync("f.bin"));
    }

    [Fact]
    public async Task ARenameIsDurableOnlyAfterItsDirectoryIsSynced()
    {
        var crash = new CrashSimulatingBackend();
        await crash.CreateDirectoryAsync("d");
        var file = await crash.CreateAsync("d/f.bin");
        await using (file)
        {
            await file.WriteAsync(Bytes("one"));
            await file.CommitAsync();
        }

        Assert.NotNull(await crash.GetEntryAsync("d/f.bin"));
        Assert.DoesNotContain("d/f.bin", crash.CaptureDurableState().Files.Keys);
        await crash.SyncDirectoryAsync(string.Empty);
        Assert.DoesNotContain("d/f.bin", crash.CaptureDurableState().Files.Keys); // the root is not its directory
        await crash.SyncDirectoryAsync("d");
        Assert.Equal(Bytes("one"), crash.CaptureDurableState().Files["d/f.bin"]);

        await crash.DeleteAsync("d/f.bin");
        var lost = crash.Crash();
        Assert.Contains("d/f.bin", lost.Files.Keys); // the unsynced deletion was lost
        Assert.NotNull(await crash.GetEntryAsync("d/f.bin"));
    }

    [Fact]
    public async Task AnUncommittedPendingFileIsNeverVisible()
    {
        var crash = new CrashSimulatingBackend();
        var file = await crash.CreateAsync("f.bin");
        await using (file)
        {
            await file.WriteAsync(Bytes("partial"));
            Assert.Null(await crash.GetEntryAsync("f.bin"));
            Assert.Empty(await crash.ListAsync(string.Empty));
        }

        Assert.Null(await crash.GetEntryAsync("f.bin"));
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await crash.ReadAllBytesAsync("f.bin"));
    }

    [Fact]
    public async Task RecursiveDeletionIsDurableWhenTheParentIsSynced()
    {
        var crash = new CrashSimulatingBackend();
        await WriteRawAsync(crash, "d/e/f.bin", Bytes("f"));
        await crash.SyncDirectoryAsync(string.Empty);
        Assert.True(await crash.DeleteDirectoryAsync("d"));
        Assert.Null(await crash.GetEntryAsync("d/e/f.bin"));
        Assert.Contains("d/e/f.bin", crash.CaptureDurableState().Files.Keys);
        await crash.SyncDirectoryAsync(string.Empty);
        var state = crash.Crash();
        Assert.DoesNotContain("d", state.Directories);
        Assert.Empty(state.Files);
    }

    [Fact]
    public async Task ReadsAreBoundedAndPathsValidated()
    {
        var crash = new CrashSimulatingBackend();
        await WriteRawAsync(crash, "f.bin", new byte[100]);
        await Assert.ThrowsAsync<StorageException>(async () => await crash.ReadAllBytesAsync("f.bin", maxBytes: 99));
        await Assert.ThrowsAsync<StoragePathException>(async () => await crash.ReadAllBytesAsync("../f.bin"));
        await Assert.ThrowsAsync<StoragePathException>(async () => await crash.CreateAsync("/abs"));
        await Assert.ThrowsAsync<DirectoryNotFoundException>(async () => await crash.ListAsync("missing"));
    }

    [Fact]
    public async Task CrashStatesCoverPrefixesOrderingsAndTornWrites()
    {
        var crash = new CrashSimulatingBackend();
        await crash.CreateDirectoryAsync("d");
        await WriteUnsyncedAsync(crash, "d/a", "a");
        await WriteUnsyncedAsync(crash, "d/b", "b");
        await crash.SyncDirectoryAsync("d");
        var torn = await crash.CreateAsync("d/c");
        await torn.WriteAsync(Bytes("0123456789"));
        await torn.DisposeAsync();

        var states = CrashSimulatingBackend.EnumerateCrashStates(CrashState.Empty, crash.Trace).ToList();
        Assert.Equal(states.Count, states.Select(s => s.Key).Distinct().Count());
        var fileSets = states.Select(s => string.Join(",", s.Files.Keys.Order(StringComparer.Ordinal))).ToHashSet();

        // Before the sync either rename may persist without the other: both orders are crash states.
        Assert.Contains("d/a", fileSets);
        Assert.Contains("d/b", fileSets);
        Assert.Contains("d/a,d/b", fileSets);
        Assert.Contains(string.Empty, fileSets);
        Assert.Contains(states, s => s.LeftoverTemporaries.TryGetValue("d/c", out var t) && t.Length == 5);
        Assert.All(states, s => Assert.DoesNotContain("d/c", s.Files.Keys));

        // Every state re-opens as a backend holding exactly its files.
        foreach (var state in states)
        {
            var reopened = CrashSimulatingBackend.FromState(state);
            foreach (var (path, bytes) in state.Files)
            {
                Assert.Equal(bytes, await reopened.ReadAllBytesAsync(path));
            }
        }
    }

    private static async Task WriteUnsyncedAsync(IStorageBackend backend, string path, string text)
    {
        var file = await backend.CreateAsync(path);
        await using (file)
        {
            await file.WriteAsync(Bytes(text));
            await file.CommitAsync();
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static async Task WriteRawAsync(IStorageBackend backend, string path, byte[] bytes)
    {
        await using var file = await backend.CreateAsync(path);
        await file.WriteAsync(bytes);
        await file.CommitAsync();
        await backend.SyncDirectoryAsync(StoragePath.GetDirectory(file.Path));
    }
}
