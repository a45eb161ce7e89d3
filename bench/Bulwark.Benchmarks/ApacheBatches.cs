using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Bulwark.Benchmarks;

/// <summary>
/// BenchRow tables as Apache.Arrow record batches, two ways: with Apache's own array builders, and by hand from
/// contiguous pooled buffers wrapped in <see cref="ArrowBuffer"/> (what a generated builder targeting Apache's types
/// would do). Both give the schema of BenchRow.ArrowSchema, so Bulwark reads the files written from them as BenchRow.
/// </summary>
internal static class ApacheBatches
{
    public static readonly TimestampType TimeType = new(TimeUnit.Microsecond, "UTC");

    public static readonly Schema Schema = new Schema.Builder()
        .Field(f => f.Name("Id").DataType(Int64Type.Default).Nullable(false))
        .Field(f => f.Name("Score").DataType(DoubleType.Default).Nullable(false))
        .Field(f => f.Name("Url").DataType(StringType.Default).Nullable(false))
        .Field(f => f.Name("Referrer").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("Time").DataType(TimeType).Nullable(false))
        .Field(f => f.Name("Status").DataType(Int32Type.Default).Nullable(false))
        .Build();

    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>Rows [start, start + count) with Apache's builders (Int64Array.Builder, StringArray.Builder, ...).</summary>
    public static RecordBatch WithBuilders(BenchRow[] table, int start, int count)
    {
        var ids = new Int64Array.Builder().Reserve(count);
        var scores = new DoubleArray.Builder().Reserve(count);
        var urls = new StringArray.Builder().Reserve(count);
        var referrers = new StringArray.Builder().Reserve(count);
        var times = new TimestampArray.Builder(TimeType).Reserve(count);
        var statuses = new Int32Array.Builder().Reserve(count);
        for (var i = start; i < start + count; i++)
        {
            var row = table[i];
            ids.Append(row.Id);
            scores.Append(row.Score);
            urls.Append(row.Url);
            if (row.Referrer is { } referrer)
            {
                referrers.Append(referrer);
            }
            else
            {
                referrers.AppendNull();
            }

            times.Append(row.Time);
            statuses.Append(row.Status);
        }

        return new RecordBatch(Schema, [ids.Build(), scores.Build(), urls.Build(), referrers.Build(), times.Build(), statuses.Build()], count);
    }

    /// <summary>
    /// Rows [start, start + count) written straight into rented byte arrays, which <paramref name="rented"/> collects so
    /// the caller can return them to the pool once the batch is written (Apache's arrays do not own pooled memory).
    /// </summary>
    public static RecordBatch ByHand(BenchRow[] table, int start, int count, List<byte[]> rented)
    {
        var ids = Rent(count * sizeof(long), rented);
        var scores = Rent(count * sizeof(double), rented);
        var times = Rent(count * sizeof(long), rented);
        var statuses = Rent(count * sizeof(int), rented);
        var urlOffsets = Rent((count + 1) * sizeof(int), rented);
        var refOffsets = Rent((count + 1) * sizeof(int), rented);
        var bitmapBytes = (count + 7) / 8;
        var refValidity = Rent(bitmapBytes, rented);
        refValidity.AsSpan(0, bitmapBytes).Clear();
        var urlData = Rent(count * 48, rented);
        var refData = Rent(count * 32, rented);
        int urlLength = 0, refLength = 0, nulls = 0;
        for (var k = 0; k < count; k++)
        {
            var row = table[start + k];
            BinaryPrimitives.WriteInt64LittleEndian(ids.AsSpan(k * 8), row.Id);
            BinaryPrimitives.WriteDoubleLittleEndian(scores.AsSpan(k * 8), row.Score);
            BinaryPrimitives.WriteInt64LittleEndian(times.AsSpan(k * 8), (row.Time.UtcTicks - UnixEpochTicks) / 10);
            BinaryPrimitives.WriteInt32LittleEndian(statuses.AsSpan(k * 4), row.Status);
            BinaryPrimitives.WriteInt32LittleEndian(urlOffsets.AsSpan(k * 4), urlLength);
            urlLength += Utf8(row.Url, ref urlData, urlLength, rented);
            BinaryPrimitives.WriteInt32LittleEndian(refOffsets.AsSpan(k * 4), refLength);
            if (row.Referrer is { } referrer)
            {
                refValidity[k >> 3] |= (byte)(1 << (k & 7));
                refLength += Utf8(referrer, ref refData, refLength, rented);
            }
            else
            {
                nulls++;
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(urlOffsets.AsSpan(count * 4), urlLength);
        BinaryPrimitives.WriteInt32LittleEndian(refOffsets.AsSpan(count * 4), refLength);
        IArrowArray[] columns =
        [
            new Int64Array(Buffer(ids, count * 8), ArrowBuffer.Empty, count, 0, 0),
            new DoubleArray(Buffer(scores, count * 8), ArrowBuffer.Empty, count, 0, 0),
            new StringArray(count, Buffer(urlOffsets, (count + 1) * 4), Buffer(urlData, urlLength), ArrowBuffer.Empty, 0, 0),
            new StringArray(count, Buffer(refOffsets, (count + 1) * 4), Buffer(refData, refLength), Buffer(refValidity, bitmapBytes), nulls, 0),
            new TimestampArray(TimeType, Buffer(times, count * 8), ArrowBuffer.Empty, count, 0, 0),
            new Int32Array(Buffer(statuses, count * 4), ArrowBuffer.Empty, count, 0, 0),
        ];
        return new RecordBatch(Schema, columns, count);
    }

    /// <summary>Whether an Apache batch holds exactly rows [start, start + batch.Length) of the table.</summary>
    public static bool Matches(RecordBatch batch, BenchRow[] table, int start)
    {
        if (batch.ColumnCount != 6 || start + batch.Length > table.Length)
        {
            return false;
        }

        var ids = (Int64Array)batch.Column("Id");
        var scores = (DoubleArray)batch.Column("Score");
        var urls = (StringArray)batch.Column("Url");
        var referrers = (StringArray)batch.Column("Referrer");
        var times = (TimestampArray)batch.Column("Time");
        var statuses = (Int32Array)batch.Column("Status");
        for (var k = 0; k < batch.Length; k++)
        {
            var row = table[start + k];
            var same = ids.GetValue(k) == row.Id
                && scores.GetValue(k) == row.Score
                && urls.GetString(k) == row.Url
                && referrers.GetString(k) == row.Referrer
                && times.GetTimestamp(k) == row.Time
                && statuses.GetValue(k) == row.Status;
            if (!same)
            {
                Console.WriteLine($"row {start + k}: Apache read {ids.GetValue(k)}, {scores.GetValue(k)}, {urls.GetString(k)}, {referrers.GetString(k)}, {times.GetTimestamp(k)}, {statuses.GetValue(k)}; expected {row}");
                return false;
            }
        }

        return true;
    }

    public static void Return(List<byte[]> rented)
    {
        foreach (var array in rented)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        rented.Clear();
    }

    private static ArrowBuffer Buffer(byte[] array, int length) => new(new ReadOnlyMemory<byte>(array, 0, length));

    private static byte[] Rent(int bytes, List<byte[]> rented)
    {
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
        rented.Add(array);
        return array;
    }

    // Appends the UTF-8 of text at position, growing the rented data buffer when the size guess was short.
    private static int Utf8(string text, ref byte[] data, int position, List<byte[]> rented)
    {
        var needed = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (position + needed > data.Length)
        {
            var bigger = Rent(Math.Max(data.Length * 2, position + needed), rented);
            data.AsSpan(0, position).CopyTo(bigger);
            data = bigger;
        }

        return Encoding.UTF8.GetBytes(text, data.AsSpan(position));
    }
}
