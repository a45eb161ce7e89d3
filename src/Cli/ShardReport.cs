using Bulwark.Shards;

namespace Bulwark.Cli;

/// <summary>The state half of `bulwark shard inspect`: one line per fact, one line per part, writer and lease.</summary>
internal static class ShardReport
{
    private const long MaxUnixMs = 253_402_300_799_999;

    public static async Task WriteAsync(ShardSurvey survey, string consensus, string blob, long nowMs, TextWriter output)
    {
        await output.WriteLineAsync($"shard: {survey.ShardId}");
        await output.WriteLineAsync($"consensus: {consensus}");
        await output.WriteLineAsync($"blob: {blob}");
        var entries = survey.Entries.Count == 1 ? "the only entry consensus holds" : $"consensus holds entries {survey.Entries[0]} to {survey.HeadSeqNo}";
        await output.WriteLineAsync($"seqno: {survey.HeadSeqNo} ({entries})");
        if (survey.Head is not { } head)
        {
            return;
        }

        await output.WriteLineAsync($"upper: {head.Upper}");
        await output.WriteLineAsync($"since: {head.Since}");
        await output.WriteLineAsync($"record: {head.RecordSchema}");
        await output.WriteLineAsync($"parts: {head.Parts.Count} ({BulwarkCommand.Count(head.Parts.Sum(p => p.Rows))} rows, {BulwarkCommand.Count(head.Parts.Sum(p => p.Bytes))} bytes)");
        foreach (var part in head.Parts)
        {
            await output.WriteLineAsync($"part {part.Key}: [{part.Lower}, {part.Upper}), times {part.MinTime} to {part.MaxTime}, {BulwarkCommand.Count(part.Rows)} rows, {BulwarkCommand.Count(part.Bytes)} bytes");
        }

        if (survey.OlderParts.Count > 0)
        {
            await output.WriteLineAsync($"older parts: {survey.OlderParts.Count} (referenced by consensus entries before the head only: kept while a lease may read those entries)");
        }

        await output.WriteLineAsync($"writers: {head.Writers.Count}");
        foreach (var writer in head.Writers)
        {
            await output.WriteLineAsync($"writer {writer.WriterId}: last append to upper {writer.Upper} at seqno {writer.SeqNo}, token {writer.Token:D}");
        }

        await output.WriteLineAsync($"leases: {head.Leases.Count}");
        foreach (var lease in head.Leases)
        {
            var kind = lease.Kind == LeaseKind.Writer ? "writer" : "reader";
            var hold = lease.Hold is { } since ? $", holds the since at or below {since}" : "";
            var expiry = lease.ExpiresAtMs is >= 0 and <= MaxUnixMs ? BulwarkCommand.Timestamp(DateTimeOffset.FromUnixTimeMilliseconds(lease.ExpiresAtMs)) : $"at {lease.ExpiresAtMs} ms";
            var state = lease.IsExpired(nowMs) ? "expired" : "live";
            await output.WriteLineAsync($"lease {kind} {lease.HolderId}: {state}, expires {expiry}, id {lease.LeaseId:D}, reads from seqno {lease.SeqNo}{hold}");
        }

        await output.WriteLineAsync($"orphans: {survey.Orphans.Count}");
    }
}
