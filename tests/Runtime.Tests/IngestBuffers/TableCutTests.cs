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
}
