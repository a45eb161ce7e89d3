using Bulwark.Arrow;
using Bulwark.Generators.Tests.RoundTrip;
using Bulwark.Records;
using FsCheck;
using FsCheck.Fluent;

namespace Bulwark.Generators.Tests;

/// <summary>Records declared in this project, generated at build time, appended to batches and read back.</summary>
public sealed class RoundTripTests
{
    [Fact]
    public void AllScalarsRoundTrip() => CheckRoundTrip(Generators.AllScalars);

    [Fact]
    public void NullableScalarsRoundTrip() => CheckRoundTrip(Generators.NullableScalars);

    [Fact]
    public void ClassWithInitPropertiesAndFieldsRoundTrips() => CheckRoundTrip(Generators.InitProperties);

    [Fact]
    public void ListsRoundTrip() => CheckRoundTrip(Generators.Lists);

    [Fact]
    public void NestedRecordsRoundTrip() => CheckRoundTrip(Generators.Shipment);

    [Fact]
    public void StructRecordsRoundTrip() => CheckRoundTrip(Generators.Reading);

    [Fact]
    public void ListsOfNullableItemsAndNestedRecordsRoundTrip() => CheckRoundTrip(Generators.MoreLists);

    [Fact]
    public void DerivedRecordsRoundTripWithBaseMembersFirst()
    {
        CheckRoundTrip(Generators.Dogs);
        Assert.Equal("dogs", Dog.TableName);
        Assert.Equal("animal", Animal.TableName);
        Assert.Equal(["Name", "Barks"], Dog.ArrowSchema.FieldsList.Select(f => f.Name));
    }

    [Fact]
    public void RecordNestedInAClassRoundTrips()
    {
        var rows = new[] { new Outer.InnerRow(1, "a"), new Outer.InnerRow(int.MinValue, "\U0001F600") };
        Structural.Equal(rows, ReadBack(rows));
        Assert.Equal("inner_rows", Outer.InnerRow.TableName);
    }

    [Fact]
    public void BuilderIsReusableAcrossManyBatches()
    {
        using var builder = Shipment.CreateBatchBuilder();
        var random = new Random(1234);
        for (var batchIndex = 0; batchIndex < 60; batchIndex++)
        {
            var rows = Generators.Shipment.Sample(random.Next(0, 40), random.Next(0, 20)).ToArray();
            foreach (var row in rows)
            {
                builder.Append(row);
            }

            Assert.Equal(rows.Length, builder.Count);
            using var batch = builder.Build();
            Assert.Equal(0, builder.Count);
            Assert.Equal(rows.Length, batch.Length);
            Structural.Equal(rows, Shipment.ReadBatch(batch));
        }
    }

    [Fact]
    public void LocalTimesAreStoredAsTheirUtcInstantAndUnspecifiedAsUtc()
    {
        var local = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Local);
        var unspecified = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Unspecified);
        var rows = new[] { new Reading(Guid.Empty, 1, local, null), new Reading(Guid.Empty, 2, unspecified, null) };
        var read = ReadBack(rows);
        Assert.Equal(local.ToUniversalTime(), read[0].At);
        Assert.Equal(DateTimeKind.Utc, read[0].At.Kind);
        Assert.Equal(unspecified.Ticks, read[1].At.Ticks);
    }

    [Fact]
    public void SubMicrosecondTicksAreTruncated()
    {
        var at = new DateTime(638_500_000_000_000_007, DateTimeKind.Utc);
        var read = ReadBack([new Reading(Guid.Empty, 1, at, null)]);
        Assert.Equal(638_500_000_000_000_000, read[0].At.Ticks);
    }

    [Fact]
    public void EmptyBatchReadsAsNoRows()
    {
        using var builder = AllScalars.CreateBatchBuilder();
        using var batch = builder.Build();
        Assert.Equal(0, batch.Length);
        Assert.Empty(AllScalars.ReadBatch(batch));
    }

    [Fact]
    public void SchemaFollowsTheTypeMapping()
    {
        var schema = AllScalars.ArrowSchema;
        var fields = schema.FieldsList;
        Field Named(Schema s, string name) => s.FieldsList[s.GetFieldIndex(name, StringComparer.Ordinal)];
        void AssertType(IArrowType expected, IArrowType actual) =>
            Assert.True(ArrowTypes.Equal(expected, actual), $"expected {ArrowTypes.Describe(expected)}, got {ArrowTypes.Describe(actual)}");

        Assert.Equal("all_scalars", AllScalars.TableName);
        Assert.Equal(21, fields.Count);
        Assert.All(fields, f => Assert.False(f.IsNullable));
        AssertType(new Decimal128Type(28, 10), Named(schema, "Amount").DataType);
        AssertType(new TimestampType(TimeUnit.Microsecond, "UTC"), Named(schema, "When").DataType);
        AssertType(new TimestampType(TimeUnit.Microsecond, "UTC"), Named(schema, "WhenOffset").DataType);
        AssertType(Date32Type.Default, Named(schema, "Day").DataType);
        AssertType(new Time64Type(TimeUnit.Microsecond), Named(schema, "Time").DataType);
        AssertType(DurationType.Microsecond, Named(schema, "Span").DataType);

        var id = Named(schema, "Id");
        AssertType(new FixedSizeBinaryType(16), id.DataType);
        Assert.Equal("arrow.uuid", ArrowTypes.ExtensionName(id));
        Assert.Contains(new KeyValuePair<string, string>(ArrowTypes.ExtensionMetadataKey, string.Empty), id.Metadata);

        AssertType(new DictionaryType(Int32Type.Default, StringType.Default, false), Named(schema, "Color").DataType);

        Assert.All(NullableScalars.ArrowSchema.FieldsList, f => Assert.True(f.IsNullable));

        var init = InitProperties.ArrowSchema;
        Assert.Equal(["visit_id", "Url", "Referrer", "Status"], init.FieldsList.Select(f => f.Name));
        Assert.False(init.FieldsList[1].IsNullable);
        Assert.True(init.FieldsList[2].IsNullable);
    }

    [Fact]
    public void EnumsAreDictionaryFieldsAtEveryDepth()
    {
        // Apache.Arrow fields carry no dictionary id: the IPC writer numbers dictionaries when it writes the schema.
        var fields = Shipment.ArrowSchema.FieldsList;
        IArrowType Level(IArrowType type) => ((StructType)type).Fields.Single(f => f.Name == "Level").DataType;
        Assert.IsType<DictionaryType>(Level(fields[1].DataType));
        Assert.IsType<DictionaryType>(Level(fields[2].DataType));
        Assert.IsType<DictionaryType>(Level(((ListType)fields[5].DataType).ValueField.DataType));

        var lists = Lists.ArrowSchema.FieldsList;
        Assert.Equal("item", ((ListType)lists[0].DataType).ValueField.Name);
        Assert.IsType<DictionaryType>(((ListType)lists[4].DataType).ValueField.DataType);
        Assert.True(((ListType)lists[3].DataType).ValueField.IsNullable);
        Assert.False(((ListType)lists[1].DataType).ValueField.IsNullable);
    }

    [Fact]
    public void NullStructKeepsNonNullableChildrenFreeOfNulls()
    {
        var rows = new[] { new Shipment(1, new Address("x", null, 1, Level.Low), null, new Point(1, 2), null, [], null) };
        using var builder = Shipment.CreateBatchBuilder();
        builder.Append(rows[0]);
        using var batch = builder.Build();
        var work = (StructArray)batch.Column("Work");
        Assert.True(work.IsNull(0));
        Assert.Equal(0, work.Fields[0].NullCount);
        Assert.Equal(1, work.Fields[1].NullCount);
        Structural.Equal(rows, Shipment.ReadBatch(batch));
    }

    [Fact]
    public void AppendingNullIntoNonNullableStringThrowsAndLeavesTheBuilderUsable()
    {
        using var builder = RequiredText.CreateBatchBuilder();
        builder.Append(new RequiredText(1, "a"));
        var error = Assert.Throws<ArgumentNullException>(() => builder.Append(new RequiredText(2, null!)));
        Assert.Equal("Text", error.ParamName);
        Assert.Contains("RequiredText.Text", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, builder.Count);

        builder.Append(new RequiredText(3, "c"));
        using var batch = builder.Build();
        Structural.Equal(new[] { new RequiredText(1, "a"), new RequiredText(3, "c") }, RequiredText.ReadBatch(batch));
    }

    [Fact]
    public void AppendingNullListOrNestedRecordIntoNonNullableMemberThrows()
    {
        using var lists = Lists.CreateBatchBuilder();
        var row = Generators.Lists.Sample(5, 3).First();
        Assert.Equal("Names", Assert.Throws<ArgumentNullException>(() => lists.Append(row with { Names = null! })).ParamName);
        using var shipments = Shipment.CreateBatchBuilder();
        var shipment = Generators.Shipment.Sample(5, 3).First();
        Assert.Equal("Home", Assert.Throws<ArgumentNullException>(() => shipments.Append(shipment with { Home = null! })).ParamName);
    }

    [Fact]
    public void AppendingAnUndefinedEnumValueThrowsNamingTheColumn()
    {
        using var builder = Paint.CreateBatchBuilder();
        var error = Assert.Throws<ArgumentException>(() => builder.Append(new Paint(1, (Color)42)));
        Assert.Contains("'Color'", error.Message, StringComparison.Ordinal);
        Assert.Contains("42", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, builder.Count);
    }

    [Fact]
    public void EnumAliasesWriteTheFirstName()
    {
        var rows = new[] { new NullableScalars(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, Level.Critical) };
        var read = ReadBack(rows);
        Assert.Equal(Level.High, read[0].Level);
    }

    [Fact]
    public void AFailurePartWayThroughAppendFaultsTheBuilderUntilCleared()
    {
        using var builder = Invoice.CreateBatchBuilder();
        builder.Append(new Invoice(1, 1.5m, "ok"));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Append(new Invoice(2, 1000m, "too big for decimal(5, 2)")));
        Assert.Throws<InvalidOperationException>(() => builder.Append(new Invoice(3, 1m, "x")));
        Assert.Throws<InvalidOperationException>(() => builder.Build());

        builder.Clear();
        builder.Append(new Invoice(4, -999.99m, "after clear"));
        using var batch = builder.Build();
        Structural.Equal(new[] { new Invoice(4, -999.99m, "after clear") }, Invoice.ReadBatch(batch));
    }

    [Fact]
    public void ReadingAColumnOfAnotherTypeNamesTypeColumnAndTypes()
    {
        using var batch = Build(new OptionalText(1, "a"));
        var error = Assert.Throws<ArrowSchemaMismatchException>(() => TextAsNumber.ReadBatch(batch));
        Assert.Contains("TextAsNumber", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Text'", error.Message, StringComparison.Ordinal);
        Assert.Contains("utf8", error.Message, StringComparison.Ordinal);
        Assert.Contains("int64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadingANullIntoANonNullableMemberNamesColumnAndRow()
    {
        using var batch = Build(new OptionalText(1, "a"), new OptionalText(2, null));
        var error = Assert.Throws<ArrowSchemaMismatchException>(() => RequiredText.ReadBatch(batch));
        Assert.Contains("RequiredText", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Text'", error.Message, StringComparison.Ordinal);
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingColumnsFillNullableMembersAndRejectNonNullableOnes()
    {
        using var batch = Build(new OptionalText(1, "a"), new OptionalText(2, null));
        Structural.Equal(
            new[] { new WithExtraColumns(1, "a", null, null, null), new WithExtraColumns(2, null, null, null, null) },
            WithExtraColumns.ReadBatch(batch));

        var error = Assert.Throws<ArrowSchemaMismatchException>(() => RequiresMissing.ReadBatch(batch));
        Assert.Contains("RequiresMissing", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Missing'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesOutsideTheEnumAreASchemaMismatch()
    {
        using var batch = Build(new PaintV2(1, ColorV2.Red), new PaintV2(2, ColorV2.Purple));
        var error = Assert.Throws<ArrowValueException>(() => Paint.ReadBatch(batch));
        Assert.Contains("'Color'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Purple", error.Message, StringComparison.Ordinal);
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);

        // Matching is by name, so a dictionary in another order still reads correctly.
        using var known = Build(new PaintV2(1, ColorV2.Blue), new PaintV2(2, ColorV2.Red));
        Structural.Equal(new[] { new Paint(1, Color.Blue), new Paint(2, Color.Red) }, Paint.ReadBatch(known));
    }

    [Fact]
    public void ColumnOrderAndExtraColumnsDoNotMatter()
    {
        using var batch = Build(new WithExtraColumns(7, "t", 3, [1, 2], new Address("c", null, 9, Level.High)));
        Structural.Equal(new[] { new OptionalText(7, "t") }, OptionalText.ReadBatch(batch));
    }

    private static void CheckRoundTrip<T>(Gen<T> gen)
        where T : IArrowRecord<T>
    {
        Prop.ForAll(Gen.ArrayOf(gen).ToArbitrary(), (T[] rows) =>
        {
            Structural.Equal(rows, ReadBack(rows));
            return true;
        }).QuickCheckThrowOnFailure();
    }

    private static T[] ReadBack<T>(T[] rows)
        where T : IArrowRecord<T>
    {
        using var batch = Build(rows);
        return T.ReadBatch(batch);
    }

    private static RecordBatch Build<T>(params T[] rows)
        where T : IArrowRecord<T>
    {
        using var builder = T.CreateBatchBuilder();
        foreach (var row in rows)
        {
            builder.Append(row);
        }

        return builder.Build();
    }
}
