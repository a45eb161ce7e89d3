using System.Buffers;
using Apache.Arrow;

namespace Bulwark.Arrow;

/// <summary>
/// The pooled arrays behind the buffers of one batch. Apache.Arrow's <see cref="ArrowBuffer"/> can only view memory it
/// does not own, so the batch that holds the views holds the lease too and returns the arrays when it is disposed.
/// </summary>
internal sealed class BufferLease
{
    private List<byte[]>? _arrays = new();

    public void Add(byte[] array)
    {
        var arrays = _arrays ?? throw new ObjectDisposedException(nameof(BufferLease));
        arrays.Add(array);
    }

    /// <summary>Returns every array to the pool; the views over them must not be read afterwards.</summary>
    public void Return()
    {
        var arrays = Interlocked.Exchange(ref _arrays, null);
        if (arrays is null)
        {
            return;
        }

        foreach (var array in arrays)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}

/// <summary>
/// An Apache.Arrow <see cref="RecordBatch"/> whose buffers view pooled memory: disposing it returns the memory, as
/// disposing a batch Apache's own readers allocate frees theirs. Arrays and slices taken from it are valid until then.
/// </summary>
internal sealed class PooledRecordBatch : RecordBatch
{
    private readonly BufferLease _lease;

    public PooledRecordBatch(Schema schema, IEnumerable<IArrowArray> columns, int length, BufferLease lease)
        : base(schema, columns, length)
    {
        _lease = lease;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _lease.Return();
        }
    }
}
