using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Bulwark.Generators.Common;
using static Bulwark.Generators.Common.CSharpText;

namespace Bulwark.Generators.ArrowRecords;

/// <summary>
/// Formats a <see cref="RecordModel"/> as C#. It only formats text: every decision that needs symbols was made by the
/// <see cref="Parser"/>, so this step re-runs only when the model itself changes.
/// </summary>
internal static partial class Emitter
{
    private const string Apache = "global::Apache.Arrow.";
    private const string ApacheTypes = "global::Apache.Arrow.Types.";
    private const string Records = "global::Bulwark.Records.";
    private const string Columns = "global::Bulwark.Records.ArrowRecordColumns";
    private const string FieldList = "global::System.Collections.Generic.IReadOnlyList<global::Apache.Arrow.Field>";

    public static string Emit(RecordModel model)
    {
        var w = new SourceWriter();
        var t = model.FullyQualifiedName;
        w.OpenFile(
            "Obsolete members are still columns: the schema keeps storing and restoring them.",
            model.Namespace,
            model.ContainingTypes,
            $"partial {model.Keyword} {model.Name} : {Records}IArrowRecord<{t}>, {Records}IArrowStructRecord<{t}>");
        EmitRecordMembers(w, model);
        w.Line();
        EmitBatchBuilder(w, model);
        w.Line();
        EmitReader(w, model);
        w.CloseFile(model.ContainingTypes);
        return w.ToString();
    }

    private static void EmitRecordMembers(SourceWriter w, RecordModel model)
    {
        var t = model.FullyQualifiedName;
        var @new = model.HidesInheritedMembers ? "new " : string.Empty;
        w.Line("/// <inheritdoc/>");
        w.Line($"public {@new}static string TableName => {Literal(model.TableName)};");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {@new}static {Apache}Schema ArrowSchema {{ get; }} = {Records}ArrowStruct.CreateSchema<{t}>();");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {@new}static {Records}IArrowBatchBuilder<{t}> CreateBatchBuilder() => new BatchBuilder();");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public {@new}static {t}[] ReadBatch({Apache}RecordBatch batch)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(batch);");
        w.Line($"var reader = new ArrowReader(batch.Schema.FieldsList, {Columns}.Columns(batch), string.Empty);");
        w.Line($"var records = new {t}[batch.Length];");
        w.Open("for (var row = 0; row < records.Length; row++)");
        w.Line("records[row] = reader.Read(row);");
        w.Close();
        w.Line();
        w.Line("return records;");
        w.Close();
        w.Line();

        w.Open($"static {FieldList} {Records}IArrowStructRecord<{t}>.CreateArrowFields()");
        if (model.Columns.Count == 0)
        {
            w.Line($"return global::System.Array.Empty<{Apache}Field>();");
        }
        else
        {
            w.Line($"return new {Apache}Field[]");
            w.Open();
            foreach (var column in model.Columns)
            {
                w.Line(FieldExpression(column.ColumnName, column.Value, column.Collection, column.IsNullable, column.Key) + ",");
            }

            w.Close(";");
        }

        w.Close();
        w.Line();
        w.Line($"static {Records}IArrowStructWriter<{t}> {Records}IArrowStructRecord<{t}>.CreateStructWriter({FieldList} fields, string path) =>");
        using (w.Indent())
        {
            w.Line("new BatchBuilder(fields, path + \".\");");
        }

        w.Line();
        w.Line($"static {Records}IArrowStructReader<{t}> {Records}IArrowStructRecord<{t}>.CreateStructReader({Apache}StructArray array, string path) =>");
        using (w.Indent())
        {
            w.Line($"new ArrowReader((({ApacheTypes}StructType)array.Data.DataType).Fields, array.Fields, path + \".\");");
        }
    }

    private static string FieldExpression(string name, ValueModel value, CollectionKind collection, bool nullable, ValueModel? key = null)
    {
        if (collection.IsMap())
        {
            // The layout the Arrow format defines for Map: non-nullable entries of a non-nullable key and a value.
            var keyField = FieldExpression("key", key!, CollectionKind.None, false);
            var valueField = FieldExpression("value", value, CollectionKind.None, value.IsNullable);
            var entries = $"new {Apache}Field(\"entries\", new {ApacheTypes}StructType(new {Apache}Field[] {{ {keyField}, {valueField} }}), false)";
            return $"new {Apache}Field({Literal(name)}, new {ApacheTypes}MapType({entries}, false), {Bool(nullable)})";
        }

        if (collection.IsList())
        {
            var item = FieldExpression("item", value, CollectionKind.None, value.IsNullable);
            return $"new {Apache}Field({Literal(name)}, new {ApacheTypes}ListType({item}), {Bool(nullable)})";
        }

        return $"new {Apache}Field({Literal(name)}, {ArrowType(value)}, {Bool(nullable)}{ValueKindInfo.Of(value.Kind).FieldArguments})";
    }

    private static string ArrowType(ValueModel value) =>
        ValueKindInfo.Fill(
            ValueKindInfo.Of(value.Kind).ArrowType,
            ("precision", Int(value.Precision)),
            ("scale", Int(value.Scale)),
            ("type", value.TypeName));

    /// <summary>
    /// The name a map's key stands under where generated statics and helpers are per member (enum names, ToIndex): the
    /// member name plus a suffix a member name would hardly end with, so a map's key and value never share one.
    /// </summary>
    private static string KeyMember(string member) => member + "__Key";

    /// <summary>The enum columns' statics and helpers: (member name for statics, column name, enum value) per enum.</summary>
    private static IEnumerable<(string Member, string Column, ValueModel Value)> Enums(RecordModel model)
    {
        foreach (var column in model.Columns)
        {
            if (column.Key is { Kind: ValueKind.Enum } key)
            {
                yield return (KeyMember(column.MemberName), column.ColumnName, key);
            }

            if (column.Value.Kind == ValueKind.Enum)
            {
                yield return (column.MemberName, column.ColumnName, column.Value);
            }
        }
    }

    private static string Cref(RecordModel model) =>
        model.FullyQualifiedName.Replace("global::", string.Empty).Replace('<', '{').Replace('>', '}');
}
