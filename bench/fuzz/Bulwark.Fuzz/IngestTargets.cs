using Bulwark.Ingest;

namespace Bulwark.Fuzz;

/// <summary>Ingest commit records, as recovery reads them from the commit log.</summary>
internal static class IngestTargets
{
    public const long Flush = 7;
    public const string Writer = "writer-1";

    public static readonly FuzzTarget Commit = new(
        "ingest-commit",
        "CommitRecordCodec.Decode: a commit record of flush 7 of writer-1, every file and visit checked",
        input => CommitRecordCodec.Decode(CommitNames.CommitPath(Flush, Writer), input, Flush, Writer),
        [typeof(IngestDataException)]);
}
