using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

public sealed class PartCodecTests
{
    [Theory]
    [InlineData(IngestFormat.ArrowIpc)]
    [InlineData(IngestFormat.Parquet)]
    public async Task A_cancelled_encode_throws_rather_than_return_a_part(IngestFormat format)
    {
        using var rows = PageRow.CreateBatchBuilder();
        rows.Append(new PageRow(1, "https://example.org/1", 200));
        using var batch = rows.Build();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PartCodec.EncodeAsync([batch], PageRow.ArrowSchema, format, cancel.Token));
    }
}
