using System.Text;
using Bulwark.Ingest;
using Bulwark.Storage;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// A commit record is read back from storage, so every field is checked before anything is used: these feed the
/// codec one defect at a time and expect the reason a user would need to find it.
/// </summary>
public sealed class CommitRecordCodecTests
{
    private const string StoredAt = "_commits/000000000007-w1.json";

    [Fact]
    public void A_record_round_trips_through_its_encoding()
    {
        var commit = new IngestCommit(
            7,
            "w1",
            new DateTimeOffset(2026, 12, 5, 3, 4, 5, TimeSpan.Zero),
            [
                new IngestCommitFile("pages", "pages/part-000000000007-w1.parquet", 5, 1234, 0xDEADBEEF, [new(11, 3), new(12, 2)]),
                new IngestCommitFile("incomplete_visits", "incomplete_visits/part-000000000007-w1.arrow", 1, 99, 7, []),
            ],
            [11],
            [new IncompleteVisit(12, "cancelled")]);

        var decoded = CommitRecordCodec.Decode(StoredAt, CommitRecordCodec.Encode(commit), 7, "w1");

        Assert.Equal((7L, "w1", commit.CutAt), (decoded.Flush, decoded.Writer, decoded.CutAt));
        Assert.Equal(
            ["pages pages/part-000000000007-w1.parquet 5 1234 3735928559 11:3,12:2", "incomplete_visits incomplete_visits/part-000000000007-w1.arrow 1 99 7 "],
            decoded.Files.Select(f => $"{f.Table} {f.Path} {f.Rows} {f.Bytes} {f.Crc32C} {string.Join(',', f.Visits.Select(v => $"{v.VisitId}:{v.Rows}"))}"));
        Assert.Equal([11L], decoded.CompletedVisits);
        Assert.Equal([new IncompleteVisit(12, "cancelled")], decoded.IncompleteVisits);
        Assert.Equal(StoredAt, decoded.Path);
    }

    [Fact]
    public void Absent_lists_read_as_empty()
    {
        var json = """{"format":1,"flush":7,"writer":"w1","cutAt":"2026-12-05T00:00:00+00:00","files":[{"table":"incomplete_visits","path":"incomplete_visits/part-000000000007-w1.parquet","rows":2,"bytes":10,"crc32C":1,"visits":null}],"completed":null,"incomplete":null}""";

        var decoded = CommitRecordCodec.Decode(StoredAt, Encoding.UTF8.GetBytes(json), 7, "w1");

        Assert.Empty(Assert.Single(decoded.Files).Visits);
        Assert.Empty(decoded.CompletedVisits);
        Assert.Empty(decoded.IncompleteVisits);
        Assert.Empty(CommitRecordCodec.Decode(StoredAt, Encoding.UTF8.GetBytes("""{"format":1,"flush":7,"writer":"w1","files":null}"""), 7, "w1").Files);
    }

    [Theory]
    [InlineData("null", "the commit record is empty")]
    [InlineData("""{"format":2,"flush":7,"writer":"w1"}""", "format version 2 is not the supported 1")]
    [InlineData("""{"format":1,"flush":8,"writer":"w1"}""", "it names flush 8 of writer 'w1' but is stored as flush 7 of 'w1'")]
    [InlineData("""{"format":1,"flush":7,"writer":"w2"}""", "it names flush 7 of writer 'w2' but is stored as flush 7 of 'w1'")]
    [InlineData("""{"format":1,"flush":7}""", "it names flush 7 of writer '' but is stored as flush 7 of 'w1'")]
    public void A_record_that_is_not_this_flush_is_refused(string json, string reason)
    {
        var refusal = Assert.Throws<IngestDataException>(() => CommitRecordCodec.Decode(StoredAt, Encoding.UTF8.GetBytes(json), 7, "w1"));

        Assert.Equal((StoredAt, reason), (refusal.Path, refusal.Reason));
    }

    [Fact]
    public void Bytes_that_are_not_json_are_refused_with_the_parser_s_reason()
    {
        var refusal = Assert.Throws<IngestDataException>(() => CommitRecordCodec.Decode(StoredAt, "{\"format\":1,"u8, 7, "w1"));

        Assert.StartsWith("not a valid commit record (", refusal.Reason, StringComparison.Ordinal);
        Assert.IsType<System.Text.Json.JsonException>(refusal.InnerException, exactMatch: false);
    }

    public static TheoryData<string, string, string> DefectiveFiles => new()
    {
        { "a repeated table", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[[1,1]]},{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[[2,1]]}]""", "file table 'pages' is invalid or repeated" },
        { "no table", """[{"path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[[1,1]]}]""", "file table '' is invalid or repeated" },
        { "a table outside the dataset", """[{"table":"..","path":"../part-000000000007-w1.parquet","rows":1,"visits":[[1,1]]}]""", "file table '..' is invalid or repeated" },
        { "a table named like the dataset's own", """[{"table":"_commits","path":"_commits/part-000000000007-w1.parquet","rows":1,"visits":[[1,1]]}]""", "file table '_commits' is invalid or repeated" },
        { "no path", """[{"table":"pages","rows":1,"visits":[[1,1]]}]""", "part path '' is not this flush's part of table 'pages'" },
        { "another table's part", """[{"table":"pages","path":"requests/part-000000000007-w1.parquet","rows":1,"visits":[[1,1]]}]""", "part path 'requests/part-000000000007-w1.parquet' is not this flush's part of table 'pages'" },
        { "another flush's part", """[{"table":"pages","path":"pages/part-000000000006-w1.parquet","rows":1,"visits":[[1,1]]}]""", "part path 'pages/part-000000000006-w1.parquet' is not this flush's part of table 'pages'" },
        { "another writer's part", """[{"table":"pages","path":"pages/part-000000000007-w2.parquet","rows":1,"visits":[[1,1]]}]""", "part path 'pages/part-000000000007-w2.parquet' is not this flush's part of table 'pages'" },
        { "a part of no format we write", """[{"table":"pages","path":"pages/part-000000000007-w1.csv","rows":1,"visits":[[1,1]]}]""", "part path 'pages/part-000000000007-w1.csv' is not this flush's part of table 'pages'" },
        { "negative rows", """[{"table":"incomplete_visits","path":"incomplete_visits/part-000000000007-w1.parquet","rows":-1}]""", "part 'incomplete_visits/part-000000000007-w1.parquet' has a negative row count or size" },
        { "a negative size", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"bytes":-1,"visits":[[1,1]]}]""", "part 'pages/part-000000000007-w1.parquet' has a negative row count or size" },
        { "a segment without rows", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[[1]]}]""", "part 'pages/part-000000000007-w1.parquet' has a malformed visit segment" },
        { "a segment of three numbers", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[[1,1,1]]}]""", "part 'pages/part-000000000007-w1.parquet' has a malformed visit segment" },
        { "a null segment", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[null]}]""", "part 'pages/part-000000000007-w1.parquet' has a malformed visit segment" },
        { "a segment of no rows", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[[1,1],[2,0]]}]""", "part 'pages/part-000000000007-w1.parquet' has a malformed visit segment" },
        { "a segment of negative rows", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":1,"visits":[[1,2],[2,-1]]}]""", "part 'pages/part-000000000007-w1.parquet' has a malformed visit segment" },
        { "a segment longer than a batch can be", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":2147483648,"visits":[[1,2147483648]]}]""", "part 'pages/part-000000000007-w1.parquet' has a malformed visit segment" },
        { "segments that do not add up", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":5,"visits":[[1,3],[2,1]]}]""", "part 'pages/part-000000000007-w1.parquet' lists 4 visit rows but holds 5" },
        { "a data part of no visit", """[{"table":"pages","path":"pages/part-000000000007-w1.parquet","rows":5,"visits":[]}]""", "part 'pages/part-000000000007-w1.parquet' lists 0 visit rows but holds 5" },
    };

    [Theory]
    [MemberData(nameof(DefectiveFiles))]
    public void A_defective_part_entry_is_refused(string defect, string files, string reason)
    {
        var json = $$"""{"format":1,"flush":7,"writer":"w1","files":{{files}}}""";

        var refusal = Assert.Throws<IngestDataException>(() => CommitRecordCodec.Decode(StoredAt, Encoding.UTF8.GetBytes(json), 7, "w1"));

        Assert.True(reason == refusal.Reason, $"{defect}: {refusal.Reason}");
        Assert.Equal($"Ingest file '{StoredAt}' is damaged: {reason}", refusal.Message);
    }

    [Fact]
    public void An_incomplete_visit_without_its_reason_is_refused()
    {
        var json = """{"format":1,"flush":7,"writer":"w1","incomplete":[{"visit":3,"reason":"timed out"},{"visit":9}]}""";

        var refusal = Assert.Throws<IngestDataException>(() => CommitRecordCodec.Decode(StoredAt, Encoding.UTF8.GetBytes(json), 7, "w1"));

        Assert.Equal("incomplete visit 9 has no reason", refusal.Reason);
    }

    [Fact]
    public void The_bounds_themselves_are_accepted()
    {
        // Empty and full-size values sit on the edges of the checks above; each must still read.
        var json = """
            {"format":1,"flush":7,"writer":"w1.spill-0123456789abcdef","files":[
              {"table":"incomplete_visits","path":"incomplete_visits/part-000000000007-w1.spill-0123456789abcdef.arrow","rows":0,"bytes":0,"visits":[]},
              {"table":"pages","path":"pages/part-000000000007-w1.spill-0123456789abcdef.parquet","rows":2147483648,"bytes":0,"visits":[[1,2147483647],[2,1]]}]}
            """;

        var decoded = CommitRecordCodec.Decode(StoredAt, Encoding.UTF8.GetBytes(json), 7, "w1.spill-0123456789abcdef");

        Assert.Equal([0L, 2147483648L], decoded.Files.Select(f => f.Rows));
        Assert.Equal([int.MaxValue, 1], decoded.Files[1].Visits.Select(v => v.Rows));
        Assert.Equal("w1", decoded.BaseWriter);
    }

    [Theory]
    [InlineData("000000000007-w1.json", 7L, "w1")]
    [InlineData("000000000000-a.json", 0L, "a")]
    [InlineData("999999999999-w1.spill-0123456789abcdef.json", 999_999_999_999L, "w1.spill-0123456789abcdef")]
    public void Commit_names_parse_into_flush_and_writer(string name, long flush, string writer)
    {
        Assert.True(CommitNames.TryParseCommitName(name, out var parsedFlush, out var parsedWriter));
        Assert.Equal((flush, writer), (parsedFlush, parsedWriter));
        Assert.Equal($"_commits/{name}", CommitNames.CommitPath(flush, writer));
    }

    [Theory]
    [InlineData("000000000007-.json")] // no writer
    [InlineData("00000000007-w1.json")] // 11 digits
    [InlineData("000000000007_w1.json")]
    [InlineData("000000000007-w1.jso")]
    [InlineData("00000000000x-w1.json")]
    [InlineData("-00000000007-w1.json")]
    [InlineData("000000000007-w 1.json")]
    [InlineData("000000000007-w1.spill-0123456789ABCDEF.json")] // the spill id is lower-case hex
    [InlineData("000000000007-w1.spill-0123456789abcde.json")] // 15 digits
    [InlineData("000000000007-w1.spill-0123456789abcdef0.json")]
    [InlineData("000000000007-.spill-0123456789abcdef.json")]
    [InlineData("000000000007-w1.other.json")]
    public void Other_names_in_the_commit_directory_are_not_commits(string name)
    {
        Assert.False(CommitNames.TryParseCommitName(name, out _, out _));
    }

    [Theory]
    [InlineData("part-000000000007-w1.parquet", true, 7L, "w1.parquet")]
    [InlineData("part-000000000007-w", true, 7L, "w")]
    [InlineData("part-000000000007-", false, 0L, "")]
    [InlineData("part-000000000007_w1.parquet", false, 0L, "")]
    [InlineData("parts000000000007-w1.parquet", false, 0L, "")]
    [InlineData("part-00000000000x-w1.parquet", false, 0L, "")]
    public void Part_names_parse_into_flush_and_the_rest(string name, bool parses, long flush, string rest)
    {
        Assert.Equal((parses, flush, rest), (CommitNames.TryParsePartName(name, out var parsedFlush, out var parsedRest), parsedFlush, parsedRest));
    }

    [Theory]
    [InlineData("pages", true)]
    [InlineData("a.b-c_D9", true)]
    [InlineData("x", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("_locks", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("a b", false)]
    public void Table_names_become_directories_only_when_safe(string table, bool valid)
    {
        Assert.Equal(valid, CommitNames.IsValidTable(table));
    }

    [Fact]
    public void A_table_name_is_at_most_128_characters()
    {
        Assert.True(CommitNames.IsValidTable(new string('t', 128)));
        Assert.False(CommitNames.IsValidTable(new string('t', 129)));
    }

    [Fact]
    public async Task The_log_reads_only_commit_records_and_sorts_them_by_writer_then_flush()
    {
        var storage = new InMemoryBackend();
        foreach (var (flush, writer) in new[] { (2L, "w2"), (1L, "w2"), (3L, "w1"), (1L, "w1") })
        {
            await WriteRawAsync(storage, CommitNames.CommitPath(flush, writer), CommitRecordCodec.Encode(new IngestCommit(flush, writer, default, [], [], [])));
        }

        // Neither a stranger's file, nor a directory named like a record, nor an unreadable record of a filtered writer is read.
        await WriteRawAsync(storage, "_commits/README.txt", "not a record"u8.ToArray());
        await storage.CreateDirectoryAsync("_commits/000000000009-w1.json");
        await WriteRawAsync(storage, CommitNames.CommitPath(4, "w3"), "damaged"u8.ToArray());
        var damaged = new List<IngestDamagedCommit>();

        var commits = await CommitLog.ReadAsync(storage, writer => writer != "w3", CancellationToken.None, damaged);

        Assert.Equal(["1 w1", "3 w1", "1 w2", "2 w2"], commits.Select(c => $"{c.Flush} {c.Writer}"));
        Assert.Empty(damaged);
        Assert.Empty(await CommitLog.ReadAsync(storage, writer => writer == "w3", CancellationToken.None, damaged));
        Assert.Equal(("_commits/000000000004-w3.json", 4L, "w3"), (Assert.Single(damaged).Path, damaged[0].Flush, damaged[0].Writer));
        var refusal = await Assert.ThrowsAsync<IngestDataException>(() => CommitLog.ReadAsync(storage, null, CancellationToken.None));
        Assert.Equal("_commits/000000000004-w3.json", refusal.Path);
    }
}
