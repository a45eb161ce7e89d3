using Bulwark.Runtime.Tests.Storage;
using Bulwark.Storage;
using Xunit;

namespace Bulwark.Testing.Tests;

// The whole storage contract over each double: a double that a user's tests run on must behave as the real backends
// do wherever it is not told to misbehave.

/// <summary><see cref="FaultInjectingBackend"/> over the in-memory backend, with no fault scheduled.</summary>
public sealed class FaultInjectingBackendContractTests : StorageContractTests
{
    private readonly FaultInjectingBackend _faults = new(new InMemoryBackend());

    protected override IStorageBackend Backend => _faults;

    public override void Dispose()
    {
        // Nothing fired, though every operation of the contract went through the decorator's checks.
        Assert.Equal(0, _faults.FaultsFired);
        Assert.NotEqual(0, _faults.OperationCount);
        base.Dispose();
    }
}

/// <summary>The pair the crash and I/O-error sweeps use: faults over the crash model, with no fault scheduled.</summary>
public sealed class FaultInjectingOverCrashSimulatingContractTests : StorageContractTests
{
    protected override IStorageBackend Backend { get; } = new FaultInjectingBackend(new CrashSimulatingBackend());
}

/// <summary><see cref="CrashSimulatingBackend"/> before any crash.</summary>
public sealed class CrashSimulatingBackendContractTests : StorageContractTests
{
    protected override IStorageBackend Backend { get; } = new CrashSimulatingBackend();
}

/// <summary>
/// The same <see cref="CrashSimulatingBackend"/> after <see cref="CrashSimulatingBackend.Crash"/>. The contract starts
/// from an empty root, so the work before the crash is all lost (files at the root, never synced); the backend then
/// holds only the durable state and must behave as any backend from there on.
/// </summary>
public sealed class CrashSimulatingBackendAfterCrashContractTests : StorageContractTests, IAsyncLifetime
{
    private readonly CrashSimulatingBackend _backend = new();

    protected override IStorageBackend Backend => _backend;

    public async Task InitializeAsync() => await CrashBeforeAnySyncAsync(_backend);

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Writes, overwrites and deletes at the root without a sync, then crashes: an empty durable state.</summary>
    internal static async Task<CrashState> CrashBeforeAnySyncAsync(CrashSimulatingBackend backend)
    {
        foreach (var (path, bytes) in new[] { ("lost", new byte[] { 1 }), ("lost", new byte[] { 2, 2 }), ("gone", new byte[] { 3 }) })
        {
            await using var file = await backend.CreateAsync(path);
            await file.WriteAsync(bytes);
            await file.CommitAsync();
        }

        Assert.True(await backend.DeleteAsync("gone"));
        Assert.Equal(["lost"], backend.CaptureVisibleState().Files.Keys);
        var state = backend.Crash();
        Assert.Empty(state.Files);
        Assert.Empty(state.Directories);
        Assert.Empty(await backend.ListAsync(""));
        return state;
    }
}

/// <summary>
/// A fresh <see cref="CrashSimulatingBackend"/> built by <see cref="CrashSimulatingBackend.FromState"/> on a crash
/// state: the re-opened disk.
/// </summary>
public sealed class CrashSimulatingBackendReopenedContractTests : StorageContractTests, IAsyncLifetime
{
    private CrashSimulatingBackend? _backend;

    protected override IStorageBackend Backend => _backend ?? throw new InvalidOperationException("The backend is made in InitializeAsync.");

    public async Task InitializeAsync() =>
        _backend = CrashSimulatingBackend.FromState(await CrashSimulatingBackendAfterCrashContractTests.CrashBeforeAnySyncAsync(new CrashSimulatingBackend()));

    public Task DisposeAsync() => Task.CompletedTask;
}
