using Apache.Arrow;
using Bulwark.Ingest;
using Bulwark.Runtime.Tests.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.IngestBuffers;

public sealed class TableCutTests
{
    /// <summary>Building frees the cut's buffers, so a second build must be refused rather than read freed memory.</summary>
    [Fact]
    public void A_cut_builds_its_batch_once()
    {
        var buffer = new TableBuffer<PageRow>();
        var visit = new VisitEntry(1, IngestHarness.Start);
        buffer.Append(visit, new PageRow(1, "https://example.org/1", 200));
        var cut = buffer.Take()!;

        using (var batch = cut.Build())
        {
            Assert.Equal(1, batch.Length);
        }

        Assert.Throws<ObjectDisposedException>(() => cut.Build());
    }

    /// <summary>
    /// Each visit's builder numbers the tags in its own order, so the gather, which copies indices, would read visit 2's
    /// rows against visit 1's dictionary: the cut reads the rows back and encodes them again, visit by visit.
    /// </summary>
    [Fact]
    public void A_cut_of_builders_with_their_own_dictionaries_is_encoded_again_visit_by_visit()
    {
        var buffer = new TableBuffer<Tagged>();
        var first = new VisitEntry(1, IngestHarness.Start);
        var second = new VisitEntry(2, IngestHarness.Start);
        buffer.Append(second, new Tagged(20, "blue"));
        buffer.Append(first, new Tagged(10, "red"));
        buffer.Append(second, new Tagged(21, "red"));
        buffer.Append(first, new Tagged(11, "blue"));
        buffer.Append(first, new Tagged(12, "red"));
        buffer.Append(second, new Tagged(22, "green"));
        using var cut = buffer.Take()!;

        using var batch = cut.Build();

        Assert.Equal([new VisitSegment(1, 3), new VisitSegment(2, 3)], cut.Segments);
        Assert.IsType<DictionaryArray>(batch.Column(1));
        Assert.Equal(
            [new Tagged(10, "red"), new Tagged(11, "blue"), new Tagged(12, "red"), new Tagged(20, "blue"), new Tagged(21, "red"), new Tagged(22, "green")],
            Tagged.ReadBatch(batch));
    }

    /// <summary>A cut whose every visit was dropped still builds: no rows, the table's schema.</summary>
    [Fact]
    public void A_cut_whose_every_visit_was_dropped_builds_an_empty_batch_of_the_tables_schema()
    {
        var buffer = new TableBuffer<PageRow>();
        var visit = new VisitEntry(1, IngestHarness.Start);
        buffer.Append(visit, new PageRow(1, "https://example.org/1", 200));
        Assert.Equal(1, buffer.Drop(visit));
        using var cut = buffer.Take()!;

        using var batch = cut.Build();

        Assert.Equal(0, batch.Length);
        Assert.Equal(PageRow.ArrowSchema.FieldsList.Select(f => f.Name), batch.Schema.FieldsList.Select(f => f.Name));
    }
}
