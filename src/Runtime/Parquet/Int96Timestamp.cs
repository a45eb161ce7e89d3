using System.Buffers.Binary;
using Apache.Arrow.Types;

namespace Bulwark.Parquet;

/// <summary>
/// Legacy Impala/Spark INT96 timestamps: eight little-endian bytes of nanoseconds within the day, then a four-byte
/// Julian day. Their range (about 5.9 million years either way) is far wider than int64 nanoseconds (1677..2262), so
/// every conversion is checked and a value the target unit cannot hold is an error, never a wrapped instant.
/// </summary>
internal static class Int96Timestamp
{
    private const long UnixEpochJulianDay = 2_440_588L;
    private const long NanosPerDay = 86_400_000_000_000L;

    /// <summary>Value <paramref name="valueIndex"/> (at slot <paramref name="slot"/> of <paramref name="node"/>) in <paramref name="unit"/> since the Unix epoch.</summary>
    public static long ToUnit(ReadOnlySpan<byte> value, TimeUnit unit, int valueIndex, int slot, ColumnNode node, ParquetLocation location)
    {
        var nanos = BinaryPrimitives.ReadInt64LittleEndian(value);
        var julianDay = BinaryPrimitives.ReadInt32LittleEndian(value[8..]);
        if (nanos is < 0 or >= NanosPerDay)
        {
            throw location.Error($"INT96 value {valueIndex} (slot {slot}) of '{node.Path}' has {nanos} nanoseconds of the day; a day has 0 to {NanosPerDay - 1}");
        }

        var nanosPerUnit = unit switch
        {
            TimeUnit.Second => 1_000_000_000L,
            TimeUnit.Millisecond => 1_000_000L,
            TimeUnit.Microsecond => 1_000L,
            _ => 1L,
        };

        try
        {
            // The nanoseconds of the day are not negative, so their truncating division is the floor: a coarser unit
            // keeps the instant at or before the value, as the unit's own representation of it does.
            return checked(((julianDay - UnixEpochJulianDay) * (NanosPerDay / nanosPerUnit)) + (nanos / nanosPerUnit));
        }
        catch (OverflowException ex)
        {
            var name = unit switch
            {
                TimeUnit.Second => "s",
                TimeUnit.Millisecond => "ms",
                TimeUnit.Microsecond => "us",
                _ => "ns",
            };

            // The fix differs with where the unit came from: the read option only types columns the ARROW:schema did not.
            var remedy = node.Leaf?.TypedByArrowSchema == true
                ? ", the unit the file's ARROW:schema declares for it (ParquetReadOptions.Int96TimestampUnit does not override that)"
                : "; set ParquetReadOptions.Int96TimestampUnit to a coarser unit to read it";
            throw location.Error($"INT96 value {valueIndex} (slot {slot}) of '{node.Path}' (Julian day {julianDay}, {nanos} ns into the day) is outside the range of timestamp[{name}]{remedy}", ex);
        }
    }
}
