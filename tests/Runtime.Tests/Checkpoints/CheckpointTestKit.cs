using System.Text;
using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Runtime.Tests.Checkpoints;

internal static class CheckpointTestKit
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static async Task<(CrashSimulatingBackend Crash, FaultInjectingBackend Faults, Checkpointer Checkpointer)> NewStoreAsync(CheckpointerOptions? options = null)
    {
        var crash = new CrashSimulatingBackend();
        var faults = new FaultInjectingBackend(crash);
        return (crash, faults, await Checkpointer.OpenAsync(faults, options));
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
