using System.Globalization;
using Bulwark.Storage;

namespace Bulwark.Shards;

/// <summary>The file-system primitives of <see cref="FileConsensus"/>: names, the key lock, publication, fsync.</summary>
public sealed partial class FileConsensus
{
    private const string LockFileName = ".lock";
    private const string TemporaryPrefix = ".tmp-";
    private const int SeqNoDigits = 20;

    // EWOULDBLOCK from flock on Linux and macOS; ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION on Windows.
    private static readonly int[] HeldByAnotherResults = [11, 35, unchecked((int)0x80070020), unchecked((int)0x80070021)];

    private static string EntryName(long seqNo) => seqNo.ToString("D20", CultureInfo.InvariantCulture);

    /// <summary>Only exactly twenty digits name an entry; the lock, temporaries and anything foreign are not entries.</summary>
    private static bool TryParseEntry(string name, out long seqNo)
    {
        seqNo = 0;
        return name.Length == SeqNoDigits
            && name.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0
            && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out seqNo);
    }

    /// <summary>A key directory is named by the key's UTF-8 bytes in lowercase hex: no separator, dot or case can reach it.</summary>
    private static bool IsKeyDirectoryName(string name) =>
        name.Length > 0 && name.Length % 2 == 0 && name.Length <= 2 * ConsensusLimits.MaxKeyBytes
        && name.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;

    private string KeyDirectory(byte[] keyBytes) => Path.Join(RootPath, Convert.ToHexStringLower(keyBytes));

    /// <summary>The sequence numbers present in <paramref name="directory"/>, ascending; empty if it does not exist.</summary>
    private List<long> ListEntries(string directory)
    {
        var seqNos = new List<long>();
        if (!Files.DirectoryExists(directory))
        {
            return seqNos;
        }

        foreach (var path in Files.EnumerateFiles(directory, "*"))
        {
            if (TryParseEntry(Path.GetFileName(path), out var seqNo))
            {
                seqNos.Add(seqNo);
            }
        }

        seqNos.Sort();
        return seqNos;
    }

    private bool EntryExists(string directory, long seqNo) => Files.FileExists(Path.Join(directory, EntryName(seqNo)));

    /// <summary>The entry's bytes, or null if it is gone (truncated since it was listed).</summary>
    private async Task<byte[]?> TryReadEntryAsync(string directory, long seqNo, CancellationToken ct)
    {
        var path = Path.Join(directory, EntryName(seqNo));
        try
        {
            await using var stream = Files.OpenRead(path);
            if (stream.Length > ConsensusLimits.MaxDataBytes)
            {
                throw new ConsensusException($"Entry '{path}' of {Description} has {stream.Length} bytes, more than any entry can hold: the store was tampered with.");
            }

            // Entries are published whole (written and fsynced before the link), so the length read is the length.
            var bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConsensusException($"Cannot read entry '{path}' of {Description}: {e.Message}", isTransient: true, e);
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> to a fresh temporary in <paramref name="directory"/> and fsyncs it, so that the
    /// link that publishes it can never expose a torn or partial entry.
    /// </summary>
    private async Task<string> WriteTemporaryAsync(string directory, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var temporary = Path.Join(directory, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            await Files.WriteNewAsync(temporary, data, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            DeleteTemporary(temporary);
            if (e is OperationCanceledException)
            {
                throw;
            }

            throw e is IOException or UnauthorizedAccessException
                ? new ConsensusException($"Cannot write a new entry in {Description}: {e.Message}", isTransient: true, e)
                : e;
        }

        return temporary;
    }

    /// <summary>
    /// Publishes <paramref name="temporary"/> as <paramref name="entry"/> only if no such entry exists: link(2) on Unix,
    /// a no-replace move on Windows. Both are atomic: the entry either appears whole or not at all.
    /// </summary>
    /// <returns>False if the entry already exists.</returns>
    [RequiresDirectorySync]
    private bool TryPublish(string temporary, string entry)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                Files.MoveNoReplace(temporary, entry);
                return true;
            }
            catch (IOException) when (Files.FileExists(entry))
            {
                return false;
            }
        }

        if (SystemCalls.LinkUninterrupted(temporary, entry, out var errno) == 0)
        {
            return true;
        }

        return errno == InterruptedCalls.EEXIST
            ? false
            : throw new ConsensusException($"Cannot publish entry '{entry}' of {Description}: link failed with {InterruptedCalls.Describe(errno)}.", isTransient: true);
    }

    private void DeleteTemporary(string temporary)
    {
        try
        {
            Files.Delete(temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Harmless: temporaries are never read as entries, and the next open of the store removes them.
            ConsensusLog.TemporaryNotDeleted(logger, e, temporary, Description);
        }
    }

    /// <summary>fsyncs <paramref name="directory"/>: links, unlinks and new subdirectories are durable only after it.</summary>
    private void SyncDirectory(string directory)
    {
        _ = DirectorySync.Sync(SystemCalls, directory, $"'{directory}'", Description);
    }

    /// <summary>Creates <paramref name="directory"/> (a key's, or the root chain) and syncs each new level's parent.</summary>
    private void EnsureDirectory(string directory)
    {
        var missing = new Stack<string>();
        for (var current = directory; !Files.DirectoryExists(current); current = Path.GetDirectoryName(current) ?? throw new ConsensusException($"Cannot create '{directory}': its volume does not exist."))
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var level))
        {
            Files.CreateDirectory(level);
            SyncDirectory(Path.GetDirectoryName(level)!);
        }
    }

    /// <summary>
    /// Takes the key's lock: a semaphore against this instance's other calls, then an OS lock on the key's
    /// <c>.lock</c> file (flock on Unix, released by the OS if the process dies) against other instances and processes.
    /// A held lock is retried with a growing pause; there is no deadline, only <paramref name="ct"/>.
    /// </summary>
    private async Task<KeyLock> LockAsync(string directory, CancellationToken ct)
    {
        var gate = gates.GetOrAdd(directory, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Guard(() => EnsureDirectory(directory));
            var pause = 1;
            while (true)
            {
                if (TryLockFile(directory) is { } file)
                {
                    try
                    {
                        if (!prepared.ContainsKey(directory))
                        {
                            Guard(() => Prepare(directory));
                            prepared.TryAdd(directory, 0);
                        }
                    }
                    catch
                    {
                        file.Dispose();
                        throw;
                    }

                    return new KeyLock(gate, file);
                }

                await Task.Delay(pause, ct).ConfigureAwait(false);
                pause = Math.Min(pause * 2, 50);
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    /// <summary>The open lock file, or null while another holder has it.</summary>
    private IDisposable? TryLockFile(string directory)
    {
        var path = Path.Join(directory, LockFileName);
        try
        {
            return Files.OpenExclusive(path);
        }
        catch (IOException e) when (Array.IndexOf(HeldByAnotherResults, e.HResult) >= 0)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConsensusException($"Cannot lock '{path}' of {Description}: {e.Message}", isTransient: true, e);
        }
    }

    private sealed class KeyLock(SemaphoreSlim gate, IDisposable file) : IDisposable
    {
        public void Dispose()
        {
            file.Dispose();
            gate.Release();
        }
    }
}
