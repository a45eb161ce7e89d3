using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>The texts and fields a caller gets from each ingest error: enough to find the file, writer or visit.</summary>
public sealed class IngestExceptionTests
{
    [Fact]
    public void A_damaged_file_names_the_file_and_the_reason()
    {
        var inner = new InvalidOperationException("inner");

        var error = new IngestDataException("_commits/000000000001-w1.json", "the commit record is empty", inner);

        Assert.Equal("Ingest file '_commits/000000000001-w1.json' is damaged: the commit record is empty", error.Message);
        Assert.Equal(("_commits/000000000001-w1.json", "the commit record is empty"), (error.Path, error.Reason));
        Assert.Same(inner, error.InnerException);
    }

    [Fact]
    public void A_writer_conflict_names_the_file_the_writer_and_the_remedy()
    {
        var error = new IngestWriterConflictException("pages/part-000000000002-w1.parquet", "w1", "local directory /data");

        Assert.Equal(
            "'pages/part-000000000002-w1.parquet' in local directory /data already holds other content than flush of writer 'w1' is committing: another controller uses WriterId 'w1' on this dataset. Nothing was overwritten; give each controller its own WriterId.",
            error.Message);
        Assert.Equal(("pages/part-000000000002-w1.parquet", "w1"), (error.Path, error.WriterId));
    }

    [Fact]
    public void A_record_that_could_not_be_encoded_names_its_visit_and_table_and_keeps_the_cause()
    {
        var cause = new ArgumentException("unpaired surrogate in Url.");

        var error = new IngestRecordException(7, "pages", cause);

        Assert.Equal("A record for table 'pages' of visit 7 could not be encoded: unpaired surrogate in Url. The visit is Incomplete.", error.Message);
        Assert.Equal((7L, "pages"), (error.VisitId, error.Table));
        Assert.Same(cause, error.InnerException);
    }
}
