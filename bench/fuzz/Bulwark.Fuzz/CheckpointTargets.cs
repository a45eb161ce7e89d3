using Bulwark.Checkpoints;
using Bulwark.Serialization;
using Bulwark.Storage;

namespace Bulwark.Fuzz;

/// <summary>The checkpoint state reader (header and generated validating restore), manifests and the catalog.</summary>
internal static class CheckpointTargets
{
    public static readonly Guid ManifestId = new("0f8fad5b-d9cb-469f-a165-70867728950e");

    public static readonly FuzzTarget State = new(
        "checkpoint-state",
        "CheckpointSerializer: header, then the generated restore of a CrawlState (the trailer CRC32C is recomputed)",
        ReadState,
        [typeof(CheckpointFormatException)]);

    public static readonly FuzzTarget Manifest = new(
        "checkpoint-manifest",
        "CheckpointFiles.DecodeManifest: the JSON manifest of one checkpoint, paths and kinds validated",
        input => CheckpointFiles.DecodeManifest(ManifestId, input, maxFiles: 10_000),
        [typeof(CheckpointCorruptException)]);

    public static readonly FuzzTarget Catalog = new(
        "checkpoint-catalog",
        "CheckpointFiles.DecodeCatalog: the JSON catalog of checkpoint ids and the writer epoch",
        input => CheckpointFiles.DecodeCatalog(input),
        [typeof(CheckpointCorruptException)]);

    /// <summary>
    /// A mutated file almost never keeps its checksum, which would stop every input at the trailer; fixing the trailer
    /// up lets the fuzzer reach the field decoder. The checksum check itself is covered by the corruption tests.
    /// </summary>
    internal static byte[] WithValidTrailer(byte[] input)
    {
        if (input.Length < 8)
        {
            return input;
        }

        var fixedUp = (byte[])input.Clone();
        var crc = Checksums.Crc32C(fixedUp.AsSpan(0, fixedUp.Length - 4));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(fixedUp.AsSpan(fixedUp.Length - 4), crc);
        return fixedUp;
    }

    private static void ReadState(byte[] input)
    {
        var bytes = WithValidTrailer(input);
        CheckpointSerializer.ReadHeader(bytes, "fuzz.state");
        CheckpointSerializer.Deserialize<CrawlState>(bytes, "fuzz.state");
    }
}
