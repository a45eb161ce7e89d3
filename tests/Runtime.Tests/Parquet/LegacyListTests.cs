using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Parquet;
using Xunit;

namespace Bulwark.Runtime.Tests.Parquet;

/// <summary>
/// Two-level and unannotated list shapes that older writers produce. Each file is written by Bulwark with the same
/// levels and then given the legacy schema in its footer, so the pages are valid for the shape under test.
/// </summary>
public sealed class LegacyListTests
{
    private const int Required = Repetition.Required, Optional = Repetition.Optional, Repeated = Repetition.Repeated;

    /// <summary>Rows [[1, 2], [3, 4]], [], [[]], [[5]] as a required list of required lists of required int32.</summary>
    private static RecordBatch NestedInts()
    {
        var item = new Field("element", Int32Type.Default, false);
        var inner = new Field("element", new ListType(item), false);
        var innerLists = Pq.List(item, Pq.Fixed(Int32Type.Default, new[] { 1, 2, 3, 4, 5 }), [0, 2, 4, 4, 5]);
        var outer = Pq.List(inner, innerLists, [0, 2, 2, 3, 4]);
        return new RecordBatch(new Schema([new Field("a", outer.Data.DataType, false)], null), [outer], 4);
    }

    private static readonly int[][][] NestedRows = [[[1, 2], [3, 4]], [], [[]], [[5]]];

    private static async Task<byte[]> WithLegacySchemaAsync(RecordBatch batch, SchemaElement[] elements, params string[][] paths)
    {
        var bytes = await Pq.WriteAsync(batch.Schema, [batch], new ParquetWriteOptions { DictionaryEnabled = false });
        var footer = ParquetInspect.Footer(bytes);
        footer.KeyValueMetadata.Clear();
        footer.Schema = [.. elements];
        for (var i = 0; i < paths.Length; i++)
        {
            footer.RowGroups[0].Columns[i].MetaData!.PathInSchema = [.. paths[i]];
        }

        return ParquetInspect.WithFooter(bytes, footer);
    }

    private static SchemaElement Root(int children) => new() { Name = "schema", NumChildren = children };

    private static SchemaElement Group(string name, int repetition, int children, bool list = false) => new()
    {
        Name = name,
        RepetitionType = repetition,
        NumChildren = children,
        ConvertedType = list ? ConvertedType.List : null,
        LogicalType = list ? new LogicalTypeInfo(LogicalKind.List) : null,
    };

    private static SchemaElement Int32(string name, int repetition) => new() { Name = name, RepetitionType = repetition, Type = PhysicalType.Int32 };

    private static int[][][] ListsOfLists(ListArray outer)
    {
        var inner = (ListArray)outer.Values;
        var values = (PrimitiveArray<int>)inner.Values;
        return Enumerable.Range(0, outer.Length).Select(r =>
        {
            var (start, end) = Pq.Range(outer, r);
            return Enumerable.Range(start, end - start).Select(l =>
            {
                var (s, e) = Pq.Range(inner, l);
                return Enumerable.Range(s, e - s).Select(i => values.Values[i]).ToArray();
            }).ToArray();
        }).ToArray();
    }

    [Fact]
    public async Task ARepeatedListGroupWithARepeatedChildIsAListOfLists()
    {
        // The shape of parquet-java's old list structure: the repeated group is itself LIST-annotated and its only
        // field is repeated, so the group is the element and, being a LIST, reads as list<int32>.
        using var batch = NestedInts();
        var bytes = await WithLegacySchemaAsync(
            batch,
            [Root(1), Group("a", Required, 1, list: true), Group("array", Repeated, 1, list: true), Int32("array", Repeated)],
            ["a", "array", "array"]);
        var (schema, read) = await Pq.ReadAsync(bytes);

        var outerType = Assert.IsType<ListType>(schema.FieldsList[0].DataType);
        Assert.False(schema.FieldsList[0].IsNullable);
        Assert.False(outerType.ValueField.IsNullable);
        var innerType = Assert.IsType<ListType>(outerType.ValueField.DataType);
        Pq.AssertEqual(Int32Type.Default, innerType.ValueField.DataType);
        Assert.False(innerType.ValueField.IsNullable);
        Assert.Equal(NestedRows, ListsOfLists((ListArray)read.Single().Column(0)));
    }

    [Fact]
    public async Task AnUnannotatedRepeatedGroupWithARepeatedChildIsAStructElement()
    {
        // A group whose only field is repeated cannot be the middle of a three-level list, so the group itself is the
        // (required) element: list<struct<element: list<int32>>>.
        using var batch = NestedInts();
        var bytes = await WithLegacySchemaAsync(
            batch,
            [Root(1), Group("a", Required, 1, list: true), Group("list", Repeated, 1), Int32("element", Repeated)],
            ["a", "list", "element"]);
        var (schema, read) = await Pq.ReadAsync(bytes);

        var outerType = Assert.IsType<ListType>(schema.FieldsList[0].DataType);
        var structType = Assert.IsType<StructType>(outerType.ValueField.DataType);
        Assert.False(outerType.ValueField.IsNullable);
        Assert.Equal("element", Assert.Single(structType.Fields).Name);
        var innerType = Assert.IsType<ListType>(structType.Fields[0].DataType);
        Assert.False(structType.Fields[0].IsNullable);
        Pq.AssertEqual(Int32Type.Default, innerType.ValueField.DataType);

        var outer = (ListArray)read.Single().Column(0);
        var inner = (ListArray)((StructArray)outer.Values).Fields[0];
        var rebuilt = (ListArray)ArrowArrayFactory.BuildArray(new ArrayData(new ListType(new Field("x", inner.Data.DataType, false)), outer.Length, 0, outer.Offset, outer.Data.Buffers, [inner.Data]));
        Assert.Equal(NestedRows, ListsOfLists(rebuilt));
    }

    [Theory]
    [InlineData("array")]
    [InlineData("a_tuple")]
    public async Task ARepeatedGroupNamedArrayOrTupleIsTheStructElement(string name)
    {
        var item = new Field("element", new StructType([new Field("x", Int32Type.Default, false)]), false);
        var structs = Pq.Struct(((StructType)item.DataType).Fields, [Pq.Fixed(Int32Type.Default, new[] { 7, 8, 9 })]);
        var lists = Pq.List(item, structs, [0, 2, 2, 3], [true, false, true]);
        using var batch = new RecordBatch(new Schema([new Field("a", lists.Data.DataType, true)], null), [lists], 3);
        var bytes = await WithLegacySchemaAsync(
            batch,
            [Root(1), Group("a", Optional, 1, list: true), Group(name, Repeated, 1), Int32("x", Required)],
            ["a", name, "x"]);
        var (schema, read) = await Pq.ReadAsync(bytes);

        var listType = Assert.IsType<ListType>(schema.FieldsList[0].DataType);
        Assert.True(schema.FieldsList[0].IsNullable);
        Assert.False(listType.ValueField.IsNullable);
        var structType = Assert.IsType<StructType>(listType.ValueField.DataType);
        Assert.Equal("x", Assert.Single(structType.Fields).Name);
        var column = (ListArray)read.Single().Column(0);
        Assert.Equal([(0, 2), (2, 2), (2, 3)], Enumerable.Range(0, 3).Select(i => Pq.Range(column, i)));
        Assert.True(column.IsNull(1));
        var x = (PrimitiveArray<int>)((StructArray)column.Values).Fields[0];
        Assert.Equal([7, 8, 9], Enumerable.Range(0, 3).Select(x.GetValue));
    }

    [Fact]
    public async Task ARepeatedPrimitiveAndAThreeLevelGroupReadAsPlainLists()
    {
        // a: repeated int32 directly under the LIST (required elements); b: a one-field group that is neither named
        // array nor a_tuple, whose optional field is the element.
        var requiredItem = new Field("element", Int32Type.Default, false);
        var a = Pq.List(requiredItem, Pq.Fixed(Int32Type.Default, new[] { 1, 2, 3 }), [0, 2, 3]);
        var optionalItem = new Field("element", Int32Type.Default, true);
        var b = Pq.List(optionalItem, Pq.Fixed(Int32Type.Default, new[] { 4, 0 }, [true, false]), [0, 0, 2]);
        using var batch = new RecordBatch(new Schema([new Field("a", a.Data.DataType, true), new Field("b", b.Data.DataType, true)], null), [a, b], 2);
        var bytes = await WithLegacySchemaAsync(
            batch,
            [
                Root(2), Group("a", Optional, 1, list: true), Int32("element", Repeated),
                Group("b", Optional, 1, list: true), Group("element", Repeated, 1), Int32("str", Optional),
            ],
            ["a", "element"],
            ["b", "element", "str"]);
        var (schema, read) = await Pq.ReadAsync(bytes);

        Pq.AssertEqual(new Field("element", Int32Type.Default, false), ((ListType)schema.FieldsList[0].DataType).ValueField);
        Pq.AssertEqual(new Field("str", Int32Type.Default, true), ((ListType)schema.FieldsList[1].DataType).ValueField);
        var first = (ListArray)read.Single().Column(0);
        Assert.Equal([(0, 2), (2, 3)], Enumerable.Range(0, 2).Select(i => Pq.Range(first, i)));
        Assert.Equal([1, 2, 3], Enumerable.Range(0, 3).Select(((PrimitiveArray<int>)first.Values).GetValue));
        var second = (ListArray)read.Single().Column(1);
        Assert.Equal([(0, 0), (0, 2)], Enumerable.Range(0, 2).Select(i => Pq.Range(second, i)));
        Assert.Equal(4, ((PrimitiveArray<int>)second.Values).GetValue(0));
        Assert.True(second.Values.IsNull(1));
    }

    [Fact]
    public async Task AChainOfRepeatedListGroupsStopsAtTheDepthLimit()
    {
        // Each repeated LIST group is the element of the one above it; a hostile chain must end in an error, not in a
        // stack overflow.
        using var batch = NestedInts();
        var chain = new List<SchemaElement> { Root(1), Group("a", Required, 1, list: true) };
        chain.AddRange(Enumerable.Range(0, 100).Select(_ => Group("array", Repeated, 1, list: true)));
        chain.Add(Int32("array", Repeated));
        var bytes = await WithLegacySchemaAsync(batch, [.. chain], ["a", "array", "array"]);
        var error = await Assert.ThrowsAsync<ParquetFormatException>(() => Pq.ReadAsync(bytes));
        Assert.Equal("the schema nests deeper than the limit of 64", error.Reason);
    }

    [Fact]
    public async Task RepeatedFieldsOutsideAListAreRequiredListsOfRequiredElements()
    {
        // A repeated primitive at the top and a repeated group inside a plain optional group, as protobuf-style writers
        // produce them without any LIST annotation.
        var ints = Pq.List(new Field("element", Int32Type.Default, false), Pq.Fixed(Int32Type.Default, new[] { 5, 6 }), [0, 0, 2]);
        var phoneFields = new[] { new Field("number", Int32Type.Default, false) };
        var phoneItem = new Field("element", new StructType(phoneFields), false);
        var phones = Pq.List(phoneItem, Pq.Struct(phoneFields, [Pq.Fixed(Int32Type.Default, new[] { 11 })]), [0, 1, 1]);
        var holderFields = new[] { new Field("phone", phones.Data.DataType, false) };
        var holder = Pq.Struct(holderFields, [phones], [true, false]);
        using var batch = new RecordBatch(new Schema([new Field("ints", ints.Data.DataType, false), new Field("numbers", holder.Data.DataType, true)], null), [ints, holder], 2);
        var bytes = await WithLegacySchemaAsync(
            batch,
            [Root(2), Int32("ints", Repeated), Group("numbers", Optional, 1), Group("phone", Repeated, 1), Int32("number", Required)],
            ["ints"],
            ["numbers", "phone", "number"]);
        var (schema, read) = await Pq.ReadAsync(bytes);

        Pq.AssertEqual(new Field("ints", new ListType(new Field("ints", Int32Type.Default, false)), false), schema.FieldsList[0]);
        var phoneType = new StructType([new Field("number", Int32Type.Default, false)]);
        var expectedHolder = new StructType([new Field("phone", new ListType(new Field("phone", phoneType, false)), false)]);
        Pq.AssertEqual(new Field("numbers", expectedHolder, true), schema.FieldsList[1]);
        var readInts = (ListArray)read.Single().Column(0);
        Assert.Equal([(0, 0), (0, 2)], Enumerable.Range(0, 2).Select(i => Pq.Range(readInts, i)));
        Assert.Equal([5, 6], Enumerable.Range(0, 2).Select(((PrimitiveArray<int>)readInts.Values).GetValue));
        var readHolder = (StructArray)read.Single().Column(1);
        Assert.True(readHolder.IsNull(1));
        var readPhones = (ListArray)readHolder.Fields[0];
        Assert.Equal((0, 1), Pq.Range(readPhones, 0));
        Assert.Equal(11, ((PrimitiveArray<int>)((StructArray)readPhones.Values).Fields[0]).GetValue(0));
    }
}
