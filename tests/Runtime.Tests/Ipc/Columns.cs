using Apache.Arrow;
using Bulwark.Arrow;
using Bulwark.Records;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>Builds one column from Bulwark's column builders outside a generated batch, for hand-made test data.</summary>
internal static class Columns
{
    /// <summary>The builder's values as array data. The pooled arrays behind it are never returned: fine for a test.</summary>
    public static ArrayData BuildData(this ColumnBuilder builder) => builder.BuildData(new BufferLease());

    /// <summary>The builder's values as an Apache array (see <see cref="BuildData(ColumnBuilder)"/>).</summary>
    public static IArrowArray Build(this ColumnBuilder builder) => ArrowArrayFactory.BuildArray(builder.BuildData(new BufferLease()));

    /// <summary>The dictionary index in slot <paramref name="index"/> of a dictionary-encoded array.</summary>
    public static int GetIndex(this DictionaryArray array, int index) => ArrayAssert.DictionaryIndex(array.Data, index);

    /// <summary>The [start, end) range of list slot <paramref name="index"/> in the list's values.</summary>
    public static (int Start, int End) GetRange(this ListArray array, int index) => (array.ValueOffsets[index], array.ValueOffsets[index + 1]);
}
