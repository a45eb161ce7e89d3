using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using TimeUnit = Apache.Arrow.Types.TimeUnit;

namespace Bulwark.Parquet;

/// <summary>How values move between an Arrow leaf array and a Parquet physical column.</summary>
internal enum LeafKind
{
    Boolean,
    Int8,
    Int16,
    UInt8,
    UInt16,
    Copy4,
    Copy8,
    DecimalInt32,
    DecimalInt64,
    DecimalFixed,
    DecimalBinary,
    Binary,
    FixedBinary,
    DictionaryBinary,
    Int96Timestamp,
}

/// <summary>The order statistics use for a column (its ColumnOrder TYPE_ORDER for the logical type).</summary>
internal enum StatsOrder
{
    None,
    Boolean,
    Signed32,
    Unsigned32,
    Signed64,
    Unsigned64,
    Float,
    Double,
    UnsignedBytes,
    SignedBigEndian,
}

internal enum NodeKind
{
    Leaf,
    Struct,
    List,
}

/// <summary>
/// One Arrow field mapped onto the Parquet schema, with the level thresholds that shredding and assembly need: the
/// node has a slot at a level entry whose repetition level is at most <see cref="RepSlot"/> and whose definition level
/// is at least <see cref="DefSlot"/>; the slot is non-null when the definition level reaches <see cref="DefPresent"/>.
/// </summary>
internal sealed class ColumnNode
{
    public required Field Field { get; set; }

    public required NodeKind Kind { get; init; }

    public required string Path { get; init; }

    public int DefSlot { get; set; }

    public int DefPresent { get; set; }

    public int RepSlot { get; set; }

    /// <summary>
    /// The definition level from which the node has an Arrow slot. A struct's children have a slot wherever the struct
    /// has one (null under a null struct), so it is inherited from the struct; a list element's is where it exists.
    /// </summary>
    public int SlotDef { get; set; }

    public ColumnNode? Element { get; set; }

    public ColumnNode[] Children { get; set; } = [];

    public LeafColumn? Leaf { get; set; }

    /// <summary>The index of the first leaf column under this node, whose levels describe the node's slots.</summary>
    public int FirstLeaf { get; set; }

    public bool Nullable => DefPresent > DefSlot;

    public void AssignSlots(int slotDef)
    {
        SlotDef = slotDef;
        foreach (var child in Children)
        {
            child.AssignSlots(slotDef);
        }

        Element?.AssignSlots(Element.DefSlot);
    }
}

internal sealed class LeafColumn
{
    public required int Index { get; init; }

    public required string[] PathInSchema { get; init; }

    public required string DottedPath { get; init; }

    public required int PhysicalType { get; init; }

    public required int TypeLength { get; init; }

    public required int MaxDef { get; init; }

    public required int MaxRep { get; init; }

    public required LeafKind Kind { get; set; }

    public required StatsOrder Order { get; init; }

    public required ColumnNode Node { get; init; }

    /// <summary>The file's <c>ARROW:schema</c> gave this leaf its type (so read options about natural types do not apply).</summary>
    public bool TypedByArrowSchema { get; set; }

    /// <summary>Bytes per value of a fixed-width physical type in PLAIN encoding; 0 for BOOLEAN and BYTE_ARRAY.</summary>
    public int FixedWidth => PhysicalType switch
    {
        Parquet.PhysicalType.Int32 or Parquet.PhysicalType.Float => 4,
        Parquet.PhysicalType.Int64 or Parquet.PhysicalType.Double => 8,
        Parquet.PhysicalType.Int96 => 12,
        Parquet.PhysicalType.FixedLenByteArray => TypeLength,
        _ => 0,
    };
}
