using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bulwark.Storage;

/// <summary>Who holds (or asks for) a store lock: enough for an operator to find the process.</summary>
/// <param name="ProcessId">The holder's process id.</param>
/// <param name="Host">The holder's machine name.</param>
/// <param name="AcquiredAt">When the lock was taken.</param>
/// <param name="Purpose">What holds it, e.g. "checkpointer".</param>
public sealed record StorageLockOwner(int ProcessId, string Host, DateTimeOffset AcquiredAt, string Purpose)
{
    /// <summary>This process, now.</summary>
    public static StorageLockOwner Current(string purpose, TimeProvider? timeProvider = null) =>
        new(Environment.ProcessId, Environment.MachineName, (timeProvider ?? TimeProvider.System).GetUtcNow(), purpose);

    public override string ToString() => $"{Purpose} in process {ProcessId} on host '{Host}' (since {AcquiredAt:u})";

    internal byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, StorageLockJsonContext.Default.StorageLockOwner);

    /// <summary>The owner record a holder left, or null if it is unreadable: it only ever feeds an error message.</summary>
    internal static StorageLockOwner? TryDecode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return bytes.Length is > 0 and <= 4096 ? JsonSerializer.Deserialize(bytes, StorageLockJsonContext.Default.StorageLockOwner) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// An exclusive lock on a store, held until disposed. On the local file system it is an OS lock, so the operating
/// system releases it when the holding process dies; no stale lock file ever has to be removed by hand.
/// </summary>
public abstract class StorageLock : IAsyncDisposable
{
    protected StorageLock(string path, StorageLockOwner owner)
    {
        Path = path;
        Owner = owner;
    }

    /// <summary>The normalized path of the lock.</summary>
    public string Path { get; }

    /// <summary>Who holds it.</summary>
    public StorageLockOwner Owner { get; }

    /// <summary>Releases the lock; idempotent.</summary>
    public abstract ValueTask DisposeAsync();
}

/// <summary>Another holder has the lock; <see cref="Holder"/> names it when it could be read.</summary>
public sealed class StorageLockedException : StorageException
{
    public StorageLockedException(string path, string storeDescription, StorageLockOwner? holder, Exception? innerException = null)
        : base(
            $"The lock '{path}' of {storeDescription} is held by {(holder is null ? "another process (its owner record could not be read)" : holder.ToString())}.",
            innerException)
    {
        Path = path;
        Holder = holder;
    }

    /// <summary>The lock's path.</summary>
    public string Path { get; }

    /// <summary>The holder, or null if its owner record could not be read.</summary>
    public StorageLockOwner? Holder { get; }
}

/// <summary>The locks of a backend that lives in one process (in memory): a table of held paths.</summary>
internal sealed class InProcessLockTable
{
    private readonly Dictionary<string, StorageLockOwner> _held = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public StorageLock Acquire(string normalizedPath, StorageLockOwner owner, string storeDescription)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(normalizedPath, out var holder))
            {
                throw new StorageLockedException(normalizedPath, storeDescription, holder);
            }

            _held.Add(normalizedPath, owner);
            return new Held(this, normalizedPath, owner);
        }
    }

    private void Release(string normalizedPath)
    {
        lock (_gate)
        {
            _held.Remove(normalizedPath);
        }
    }

    private sealed class Held(InProcessLockTable table, string path, StorageLockOwner owner) : StorageLock(path, owner)
    {
        private int _released;

        public override ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                table.Release(Path);
            }

            return ValueTask.CompletedTask;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, MaxDepth = 4)]
[JsonSerializable(typeof(StorageLockOwner))]
internal sealed partial class StorageLockJsonContext : JsonSerializerContext
{
}
