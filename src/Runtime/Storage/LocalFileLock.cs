namespace Bulwark.Storage;

/// <summary>
/// A store lock on the local file system: the lock file is held open exclusively (FileShare.None, which .NET maps to
/// flock(LOCK_EX) on Unix and a sharing lock on Windows), so the operating system drops the lock when the process
/// dies. The holder's identity goes to a sibling <c>.owner</c> file, because the locked file itself cannot be opened by
/// anyone else to read it; that record only ever feeds the message another opener gets.
/// </summary>
internal sealed class LocalFileLock : StorageLock
{
    /// <summary>The suffix of the sibling file that records the holder.</summary>
    public const string OwnerSuffix = ".owner";

    // EWOULDBLOCK from flock on Linux and macOS; ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION on Windows.
    private static readonly int[] HeldByAnotherResults = [11, 35, unchecked((int)0x80070020), unchecked((int)0x80070021)];

    private readonly FileStream _stream;
    private readonly string _ownerPath;
    private int _released;

    private LocalFileLock(string path, StorageLockOwner owner, FileStream stream, string ownerPath)
        : base(path, owner)
    {
        _stream = stream;
        _ownerPath = ownerPath;
    }

    public static StorageLock Acquire(string normalized, string fullPath, StorageLockOwner owner, string storeDescription)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
        }
        catch (IOException e) when (Array.IndexOf(HeldByAnotherResults, e.HResult) >= 0)
        {
            throw new StorageLockedException(normalized, storeDescription, ReadOwner(fullPath + OwnerSuffix), e);
        }

        var ownerPath = fullPath + OwnerSuffix;
        try
        {
            // Not synced and not atomic on purpose: the record is advice for an error message, and a torn or lost one
            // reads as "owner unknown", never as a wrong owner.
            File.WriteAllBytes(ownerPath, owner.Encode());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new StorageException($"Could not record the owner of lock '{normalized}' in {storeDescription}: {e.Message}", e);
        }

        return new LocalFileLock(normalized, owner, stream, ownerPath);
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            // The owner record goes first: once the lock is released another process may write its own.
            try
            {
                File.Delete(_ownerPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A stale owner record is harmless: it is only read while the lock is held by someone.
            }

            _stream.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static StorageLockOwner? ReadOwner(string ownerPath)
    {
        try
        {
            using var stream = new FileStream(ownerPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            if (stream.Length > 4096)
            {
                return null;
            }

            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return StorageLockOwner.TryDecode(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
