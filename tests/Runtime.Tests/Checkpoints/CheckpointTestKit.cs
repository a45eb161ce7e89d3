using System.Text;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;

namespace Bulwark.Runtime.Tests.Checkpoints;

internal static class CheckpointTestKit
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static uint Crc32CReference(byte[] bytes)
    {
        // Bitwise CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): independent of the implementation under test.
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>
    /// The store's files and directories with the catalog's writer epoch masked: opening a store bumps the epoch, the
    /// one write an open makes, so "nothing changed" means nothing else changed.
    /// </summary>
    public static string ContentKey(CrashState state)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (path, bytes) in state.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var content = path == Checkpointer.CatalogFileName
                ? System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.UTF8.GetString(bytes), "\"writerEpoch\":\\s*\\d+", "\"writerEpoch\":*")
                : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));
            text.Append(path).Append('=').Append(content).Append('\n');
        }

        foreach (var directory in state.Directories.Order(StringComparer.Ordinal))
        {
            text.Append(directory).Append("/\n");
        }

        return text.ToString();
    }

    public static string ContentKey(CrashSimulatingBackend backend) => ContentKey(backend.CaptureVisibleState());

    public static async Task<(CrashSimulatingBackend Crash, FaultInjectingBackend Faults, Checkpointer Checkpointer)> NewStoreAsync(CheckpointerOptions? options = null)
    {
        var crash = new CrashSimulatingBackend();
        var faults = new FaultInjectingBackend(crash);
        return (crash, faults, await Checkpointer.OpenAsync(faults, options));
    }

    /// <summary>A closed store with two checkpoints: the older has a state only, the newer a state and a shared file.</summary>
    public static async Task<(CrashSimulatingBackend Crash, Guid Older, Guid Newest)> ClosedTwoCheckpointStoreAsync()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var older = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("older")));
        var newest = await checkpointer.CommitAsync(new CheckpointDraft().SetState("op", Bytes("newest")).AddSharedFile("b.arrow", Bytes("b")));
        await checkpointer.DisposeAsync();
        return (crash, older.Id, newest.Id);
    }

    public static async Task WriteRawAsync(IStorageBackend backend, string path, byte[] bytes)
    {
        var file = await backend.CreateAsync(path);
        await using (file)
        {
            await file.WriteAsync(bytes);
            await file.CommitAsync();
        }

        await backend.SyncDirectoryAsync(StoragePath.GetDirectory(path));
    }

    public static string ManifestPath(Guid id) => $"{id:D}/{Checkpointer.ManifestFileName}";

    public static string StatePath(Guid id, string op) => $"{id:D}/{op}.state";
}
