using System.Runtime.InteropServices;
using Apache.Arrow;
using Xunit;

namespace Bulwark.Runtime.Tests.Facade;

/// <summary>One non-nullable fixed-width column: its batches own exactly one pooled array (the values).</summary>
[ArrowRecord("pooled_rows")]
public partial record PooledRow(long Id);

/// <summary>
/// Generated batch builders rent their buffers from <see cref="System.Buffers.ArrayPool{T}.Shared"/> and the batches
/// they build return them when disposed, so a builder's next batch on the same thread reuses the same memory.
/// </summary>
public sealed class PooledBatchTests
{
    private static RecordBatch Build(Bulwark.Records.IArrowBatchBuilder<PooledRow> builder, int first)
    {
        for (var i = 0; i < 10; i++)
        {
            builder.Append(new PooledRow(first + i));
        }

        return builder.Build();
    }

    private static byte[] ValuesArray(RecordBatch batch)
    {
        Assert.True(MemoryMarshal.TryGetArray(batch.Column(0).Data.Buffers[1].Memory, out var segment), "the values do not live in an array");
        return segment.Array!;
    }

    // The shared pool hands a returned array back to the next rent of its size on the same thread (its per-thread
    // cache), which is what makes the first assertion deterministic: the test is synchronous, so it stays on one thread,
    // and nothing between the dispose and the next build rents an array of that size. The batch has a single pooled
    // array (10 longs, no nulls so no bitmap), so which array comes back first is not a matter of return order.
    [Fact]
    public void DisposingABatchReturnsItsBuffersForTheBuildersNextBatch()
    {
        using var builder = PooledRow.CreateBatchBuilder();
        var first = Build(builder, 0);
        var firstArray = ValuesArray(first);
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7, 8, 9], ((Int64Array)first.Column(0)).Values.ToArray());
        first.Dispose();

        using var second = Build(builder, 100);
        Assert.Same(firstArray, ValuesArray(second));
        Assert.Equal(100L, ((Int64Array)second.Column(0)).Values[0]);
    }

    [Fact]
    public void WithoutDisposingTheNextBatchGetsOtherMemoryAndKeepsItsValues()
    {
        using var builder = PooledRow.CreateBatchBuilder();
        using var first = Build(builder, 0);
        using var second = Build(builder, 100);
        Assert.NotSame(ValuesArray(first), ValuesArray(second));

        // The batch that was not disposed still reads its own values: the builder did not write over them.
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7, 8, 9], ((Int64Array)first.Column(0)).Values.ToArray());
        Assert.Equal(109L, ((Int64Array)second.Column(0)).Values[9]);
    }
}
