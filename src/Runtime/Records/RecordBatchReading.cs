using System.Runtime.CompilerServices;
using Apache.Arrow;
using Bulwark.Arrow;

namespace Bulwark.Records;

/// <summary>Records from a sequence of batches, for every file format's facade: each batch is disposed once read.</summary>
internal static class RecordBatchReading
{
    public static async Task<IReadOnlyList<T>> ToListAsync<T>(IAsyncEnumerable<RecordBatch> batches)
        where T : IArrowRecord<T>
    {
        var result = new List<T>();
        await foreach (var batch in batches.ConfigureAwait(false))
        {
            using (batch)
            {
                result.AddRange(T.ReadBatch(batch));
            }
        }

        return result;
    }

    /// <summary>Streams the records, holding one batch's rows at a time; the batch is released before its rows are yielded.</summary>
    public static async IAsyncEnumerable<T> StreamAsync<T>(IAsyncEnumerable<RecordBatch> batches, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : IArrowRecord<T>
    {
        await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            T[] rows;
            using (batch)
            {
                rows = T.ReadBatch(batch);
            }

            foreach (var row in rows)
            {
                yield return row;
            }
        }
    }
}
