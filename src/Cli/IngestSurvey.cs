using Bulwark.Ingest;
using Bulwark.Storage;

namespace Bulwark.Cli;

/// <summary>A file of a dataset and what was found about it.</summary>
internal readonly record struct Finding(string Path, string Reason);

/// <summary>
/// What `bulwark ingest status` and `bulwark verify` find in an ingest dataset, only reading it. Problems are damage
/// that loses or hides committed rows: a commit record that cannot be read, a committed part that is missing or has
/// another size or CRC32C than its record lists (or, checking contents, does not decode to its rows), a part two
/// records list. Orphans are not problems: a part no commit record names is a flush that never reached its commit
/// point (in progress, or cut short by a crash); readers never see it and its writer removes it when it next opens.
/// </summary>
internal sealed class IngestSurvey
{
    private IngestSurvey(IngestDataset dataset, IngestDatasetStatus status)
    {
        Dataset = dataset;
        Status = status;
    }

    public IngestDataset Dataset { get; }

    public IngestDatasetStatus Status { get; }

    public List<Finding> Problems { get; } = [];

    public List<Finding> Orphans { get; } = [];

    public int FilesChecked { get; private set; }

    /// <exception cref="IOException">The dataset cannot be listed or read.</exception>
    /// <exception cref="UnauthorizedAccessException">The dataset cannot be listed or read.</exception>
    public static async Task<IngestSurvey> RunAsync(IStorageBackend backend, bool checkContents, CancellationToken cancellationToken)
    {
        var dataset = await IngestDataset.OpenForInspectionAsync(backend, cancellationToken);
        var survey = new IngestSurvey(dataset, await dataset.GetStatusAsync(cancellationToken));
        foreach (var damaged in dataset.DamagedCommits)
        {
            survey.Problems.Add(new Finding(damaged.Path, $"{damaged.Reason}; the flush it commits is invisible to readers, and writer '{damaged.BaseWriter}' refuses to open until the record is restored or removed"));
        }

        var listedBy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var commit in dataset.Commits)
        {
            foreach (var file in commit.Files)
            {
                // The runtime binds a part's name to its record's flush and writer, so this only fires if that rule breaks.
                if (!listedBy.TryAdd(file.Path, commit.Path))
                {
                    survey.Problems.Add(new Finding(file.Path, $"both {listedBy[file.Path]} and {commit.Path} list it"));
                    continue;
                }

                survey.FilesChecked++;
                if (await dataset.VerifyPartAsync(file, checkContents, cancellationToken) is { } reason)
                {
                    survey.Problems.Add(new Finding(file.Path, $"{reason} (committed by {commit.Path})"));
                }
            }
        }

        foreach (var path in survey.Status.UnreferencedParts)
        {
            survey.Orphans.Add(new Finding(path, DescribeOrphan(path, dataset.DamagedCommits)));
        }

        return survey;
    }

    /// <summary>Why a part has no commit record, and what becomes of it.</summary>
    private static string DescribeOrphan(string path, IReadOnlyList<IngestDamagedCommit> damaged)
    {
        if (!IngestDataset.TryParsePartName(path[(path.LastIndexOf('/') + 1)..], out var flush, out var writer))
        {
            return "no commit record names it";
        }

        if (damaged.FirstOrDefault(d => d.Flush == flush && d.Writer == writer) is { } record)
        {
            return $"its commit record {record.Path} is damaged; kept while writer '{record.BaseWriter}' cannot open";
        }

        return writer.Contains(".spill-", StringComparison.Ordinal)
            ? "no commit record names it (left by a spill replay cut short: replaying that spill again with this part's format commits it; no writer removes it)"
            : $"no commit record names it (removed on next open of writer '{writer}')";
    }
}
