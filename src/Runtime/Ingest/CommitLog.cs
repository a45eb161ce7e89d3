using Bulwark.Storage;

namespace Bulwark.Ingest;

/// <summary>Reads the commit log <c>_commits/</c>: every record validated, sorted by writer and flush.</summary>
internal static class CommitLog
{
    /// <param name="backend">The dataset.</param>
    /// <param name="writerFilter">Reads only the records of the writer identities it accepts; null reads all.</param>
    /// <param name="cancellationToken">Stops between records.</param>
    /// <param name="damaged">Null: a damaged record throws. Otherwise damaged records are added here and skipped.</param>
    public static async Task<IReadOnlyList<IngestCommit>> ReadAsync(IStorageBackend backend, Func<string, bool>? writerFilter, CancellationToken cancellationToken, List<IngestDamagedCommit>? damaged = null)
    {
        var commits = new List<IngestCommit>();
        if (await backend.GetEntryAsync(CommitNames.CommitDirectory, cancellationToken).ConfigureAwait(false) is not { IsDirectory: true })
        {
            return commits;
        }

        foreach (var entry in await backend.ListAsync(CommitNames.CommitDirectory, cancellationToken).ConfigureAwait(false))
        {
            // Anything else in _commits is not ours to judge (and never a commit: records are named exactly so).
            if (entry.IsDirectory || !CommitNames.TryParseCommitName(entry.Name, out var flush, out var writer) || (writerFilter is not null && !writerFilter(writer)))
            {
                continue;
            }

            try
            {
                var bytes = await backend.ReadAllBytesAsync(entry.Path, CommitRecordCodec.MaxRecordBytes, cancellationToken).ConfigureAwait(false);
                commits.Add(CommitRecordCodec.Decode(entry.Path, bytes, flush, writer));
            }
            catch (IngestDataException e) when (damaged is not null)
            {
                damaged.Add(new IngestDamagedCommit(entry.Path, flush, writer, e.Reason));
            }
            catch (StorageException e) when (damaged is not null && e is not StoragePathException)
            {
                // Longer than any record is allowed to be.
                damaged.Add(new IngestDamagedCommit(entry.Path, flush, writer, e.Message));
            }
        }

        commits.Sort(static (a, b) => a.BaseWriter != b.BaseWriter ? string.CompareOrdinal(a.BaseWriter, b.BaseWriter)
            : a.Flush != b.Flush ? a.Flush.CompareTo(b.Flush) : string.CompareOrdinal(a.Writer, b.Writer));
        return commits;
    }

    /// <summary>Visits that ended (completed or incomplete), per base writer.</summary>
    public static HashSet<(string Writer, long Visit)> EndedVisits(IEnumerable<IngestCommit> commits)
    {
        var ended = new HashSet<(string, long)>();
        foreach (var commit in commits)
        {
            foreach (var visit in commit.CompletedVisits)
            {
                ended.Add((commit.BaseWriter, visit));
            }

            foreach (var visit in commit.IncompleteVisits)
            {
                ended.Add((commit.BaseWriter, visit.VisitId));
            }
        }

        return ended;
    }
}

/// <summary>What opening found and repaired.</summary>
internal sealed record RecoveryResult(long NextFlush, IReadOnlyList<long> UnfinishedVisits, IReadOnlyList<string> RemovedParts);

/// <summary>
/// Opening a controller: read its own commit log, then — only once every record was read — remove its parts that no
/// record names (a flush that never reached its commit point), resume numbering after its last commit, and find the
/// visits whose rows it committed but that never ended (the previous run stopped first): they are closed as Incomplete.
/// </summary>
internal static class IngestRecovery
{
    public static async Task<RecoveryResult> RunAsync(IStorageBackend backend, IngestOptions options, CancellationToken cancellationToken)
    {
        var writer = options.WriterId;
        var mine = await CommitLog.ReadAsync(backend, w => CommitNames.BaseWriter(w) == writer, cancellationToken).ConfigureAwait(false);
        var own = mine.Where(c => c.Writer == writer).ToArray();
        var next = own.Length == 0 ? 1 : own.Max(c => c.Flush) + 1;
        var referenced = own.SelectMany(c => c.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);

        var ended = CommitLog.EndedVisits(mine);
        var spilled = await IngestSpill.SpilledVisitsAsync(options.SpillDirectory, writer, cancellationToken).ConfigureAwait(false);
        var unfinished = mine.SelectMany(c => c.Files).SelectMany(f => f.Visits).Select(v => v.VisitId)
            .Distinct().Where(v => !ended.Contains((writer, v)) && !spilled.Contains(v)).Order().ToArray();

        var removed = new List<string>();
        foreach (var directory in await backend.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (directory.IsDirectory && directory.Name == CommitNames.CommitDirectory)
            {
                // A commit record is published by linking a temporary: a kill before the link leaves the temporary.
                if (backend is LocalFileSystemBackend commits
                    && await commits.DeleteAbandonedTemporariesAsync(directory.Path, target => CommitNames.TryParseCommitName(target, out _, out var w) && w == writer, cancellationToken).ConfigureAwait(false) > 0)
                {
                    await backend.SyncDirectoryAsync(directory.Path, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (!directory.IsDirectory || directory.Name.StartsWith('_'))
            {
                continue;
            }

            var removedHere = false;
            foreach (var file in await backend.ListAsync(directory.Path, cancellationToken).ConfigureAwait(false))
            {
                // Only this writer's own parts: other writers' flushes may be in progress right now.
                if (!file.IsDirectory && IsOwnPart(file.Name, writer) && !referenced.Contains(file.Path))
                {
                    await backend.DeleteAsync(file.Path, cancellationToken).ConfigureAwait(false);
                    removed.Add(file.Path);
                    removedHere = true;
                }
            }

            // A process killed while writing a part leaves its hidden temporary behind, which no reader sees but which
            // holds disk space. Only this writer's (the lock excludes its other processes) and only where the whole
            // part name survived in the temporary's name; a temporary of a very long writer id is left.
            if (backend is LocalFileSystemBackend local
                && await local.DeleteAbandonedTemporariesAsync(directory.Path, target => IsOwnPart(target, writer), cancellationToken).ConfigureAwait(false) > 0)
            {
                removedHere = true;
            }

            if (removedHere)
            {
                await backend.SyncDirectoryAsync(directory.Path, cancellationToken).ConfigureAwait(false);
            }
        }

        return new RecoveryResult(next, unfinished, removed);
    }

    private static bool IsOwnPart(string name, string writer) =>
        CommitNames.TryParsePartName(name, out _, out var rest) && (rest == writer + ".parquet" || rest == writer + ".arrow");
}
