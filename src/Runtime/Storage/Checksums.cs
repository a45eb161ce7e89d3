using System.Numerics;
using System.Runtime.InteropServices;

namespace Bulwark.Storage;

/// <summary>
/// CRC32C (Castagnoli), the checksum of every file a checkpoint, ingest commit record or shard state lists.
/// System.IO.Hashing has CRC32 but not CRC32C; <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the CPU's
/// instruction where there is one.
/// </summary>
internal static class Checksums
{
    public const uint Crc32CStart = 0xFFFFFFFFu;

    public static uint Crc32C(ReadOnlySpan<byte> bytes) => Crc32CFinish(Crc32CAppend(Crc32CStart, bytes));

    /// <summary>Feeds <paramref name="bytes"/> into a running CRC32C begun with <see cref="Crc32CStart"/>.</summary>
    public static uint Crc32CAppend(uint crc, ReadOnlySpan<byte> bytes)
    {
        var longs = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (var value in longs)
        {
            crc = BitOperations.Crc32C(crc, value);
        }

        foreach (var b in bytes[(longs.Length * sizeof(ulong))..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    public static uint Crc32CFinish(uint crc) => ~crc;
}
