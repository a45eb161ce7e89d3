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
internal static class Emitter
{
    private const string Arrow = "global::Bulwark.Arrow.";
    private const string Records = "global::Bulwark.Records.";
    private const string Columns = "global::Bulwark.Records.ArrowRecordColumns";
    private const string FieldList = "global::System.Collections.Generic.IReadOnlyList<global::Bulwark.Arrow.Field>";

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
        w.Line($"public {@new}static {Arrow}Schema ArrowSchema {{ get; }} = {Records}ArrowStruct.CreateSchema<{t}>();");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {@new}static {Records}IArrowBatchBuilder<{t}> CreateBatchBuilder() => new BatchBuilder();");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public {@new}static {t}[] ReadBatch({Arrow}RecordBatch batch)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(batch);");
        w.Line("var reader = new ArrowReader(batch.Schema.Fields, batch.Columns, string.Empty);");
        w.Line($"var records = new {t}[batch.Length];");
        w.Open("for (var row = 0; row < records.Length; row++)");
        w.Line("records[row] = reader.Read(row);");
        w.Close();
        w.Line();
        w.Line("return records;");
        w.Close();
        w.Line();

        w.Open($"static {FieldList} {Records}IArrowStructRecord<{t}>.CreateArrowFields(ref long nextDictionaryId)");
        if (model.Columns.Count == 0)
        {
            w.Line($"return global::System.Array.Empty<{Arrow}Field>();");
        }
        else
        {
            w.Line("// Evaluated in order, so dictionary ids are numbered depth-first across the whole schema.");
            w.Line($"return new {Arrow}Field[]");
            w.Open();
            foreach (var column in model.Columns)
            {
                w.Line(FieldExpression(column.ColumnName, column.Value, column.Collection, column.IsNullable) + ",");
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
        w.Line($"static {Records}IArrowStructReader<{t}> {Records}IArrowStructRecord<{t}>.CreateStructReader({Arrow}StructArray array, string path) =>");
        using (w.Indent())
        {
            w.Line($"new ArrowReader((({Arrow}StructType)array.Type).Fields, array.Fields, path + \".\");");
        }
    }

    private static string FieldExpression(string name, ValueModel value, CollectionKind collection, bool nullable)
    {
        if (collection != CollectionKind.None)
        {
            var item = FieldExpression("item", value, CollectionKind.None, value.IsNullable);
            return $"new {Arrow}Field({Literal(name)}, new {Arrow}ListType({item}), {Bool(nullable)})";
        }

        return $"new {Arrow}Field({Literal(name)}, {ArrowType(value)}, {Bool(nullable)}{ValueKindInfo.Of(value.Kind).FieldArguments})";
    }

    private static string ArrowType(ValueModel value) =>
        ValueKindInfo.Fill(
            ValueKindInfo.Of(value.Kind).ArrowType,
            ("precision", Int(value.Precision)),
            ("scale", Int(value.Scale)),
            ("type", value.TypeName));

    // ---------------------------------------------------------------- builder

    private static void EmitBatchBuilder(SourceWriter w, RecordModel model)
    {
        var t = model.FullyQualifiedName;
        w.Line($"/// <summary>Appends <see cref=\"{Cref(model)}\"/> values column by column and cuts them into record batches.</summary>");
        w.Open($"public {(model.HidesInheritedMembers ? "new " : string.Empty)}sealed class BatchBuilder : {Records}IArrowBatchBuilder<{t}>, {Records}IArrowStructWriter<{t}>");
        w.Line($"private const string RecordType = {Literal(model.DisplayName)};");
        w.Line();
        var hasStatics = false;
        foreach (var column in model.Columns.Where(c => c.Value.Kind == ValueKind.Enum))
        {
            var names = string.Join(", ", column.Value.EnumMembers.Select(m => Literal(m.Name)));
            w.Line($"private static readonly {Arrow}ArrayData s_{column.MemberName}Dictionary = {Arrow}FixedDictionaryBuilder.CreateUtf8Dictionary(new[] {{ {names} }});");
            hasStatics = true;
        }

        if (hasStatics)
        {
            w.Line();
        }

        foreach (var column in model.Columns)
        {
            w.Line($"private readonly {BuilderType(column.Value, column.Collection)} _{column.MemberName}Builder;");
        }

        w.Line($"private readonly {Arrow}ArrayBuilder[] _columns;");
        w.Line("private readonly string _path;");
        w.Line("private int _count;");
        w.Line("private bool _faulted;");
        w.Line();

        w.Line($"/// <summary>Creates an empty builder for batches of <see cref=\"ArrowSchema\"/>.</summary>");
        w.Line("public BatchBuilder()");
        using (w.Indent())
        {
            w.Line(": this(ArrowSchema.Fields, string.Empty)");
        }

        w.Open();
        w.Close();
        w.Line();
        w.Line("/// <param name=\"fields\">The fields as the enclosing schema declares them (a struct column's children).</param>");
        w.Line("/// <param name=\"path\">Prefix of column names in error messages.</param>");
        w.Open($"internal BatchBuilder({FieldList} fields, string path)");
        w.Line("_path = path;");
        for (var i = 0; i < model.Columns.Count; i++)
        {
            var column = model.Columns[i];
            var field = $"fields[{Int(i)}]";
            var name = $"path + {Literal(column.ColumnName)}";
            w.Line($"_{column.MemberName}Builder = {NewBuilder(column.MemberName, column.Value, column.Collection, field, name)};");
        }

        var builders = string.Join(", ", model.Columns.Select(c => $"_{c.MemberName}Builder"));
        w.Line(model.Columns.Count == 0 ? $"_columns = global::System.Array.Empty<{Arrow}ArrayBuilder>();" : $"_columns = new {Arrow}ArrayBuilder[] {{ {builders} }};");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public int Count => _count;");
        w.Line();
        w.Line($"global::System.Collections.Generic.IReadOnlyList<{Arrow}ArrayBuilder> {Records}IArrowStructWriter<{t}>.Children => _columns;");
        w.Line();

        EmitAppend(w, model);
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public {Arrow}RecordBatch Build()");
        w.Open("if (_faulted)");
        w.Line($"throw {Columns}.Faulted(RecordType);");
        w.Close();
        w.Line();
        w.Line("var length = _count;");
        w.Line($"var arrays = new {Arrow}ArrowArray[_columns.Length];");
        w.Open("for (var i = 0; i < arrays.Length; i++)");
        w.Line("arrays[i] = _columns[i].Build();");
        w.Close();
        w.Line();
        w.Line("_count = 0;");
        w.Line($"return new {Arrow}RecordBatch(ArrowSchema, arrays, length);");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open("public void Clear()");
        w.Open("foreach (var column in _columns)");
        w.Line("column.Clear();");
        w.Close();
        w.Line();
        w.Line("_count = 0;");
        w.Line("_faulted = false;");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open("public void Dispose()");
        w.Open("foreach (var column in _columns)");
        w.Line("column.Dispose();");
        w.Close();
        w.Close();
        w.Line();

        w.Open($"void {Records}IArrowStructWriter<{t}>.AppendPlaceholder()");
        foreach (var column in model.Columns)
        {
            w.Line(Placeholder($"_{column.MemberName}Builder", column.Value, column.Collection, column.IsNullable));
        }

        w.Line("_count++;");
        w.Close();

        foreach (var column in model.Columns.Where(c => c.Value.Kind == ValueKind.Enum))
        {
            w.Line();
            w.Open($"private int ToIndex{column.MemberName}({column.Value.TypeName} value) => value switch");
            for (var i = 0; i < column.Value.EnumMembers.Count; i++)
            {
                var member = column.Value.EnumMembers[i];
                if (!member.IsAlias)
                {
                    w.Line($"{column.Value.TypeName}.{Identifier(member.Name)} => {Int(i)},");
                }
            }

            w.Line($"_ => throw {Columns}.UndefinedEnumValue(_path + {Literal(column.ColumnName)}, value),");
            w.Close(";");
        }

        w.Close();
    }

    private static void EmitAppend(SourceWriter w, RecordModel model)
    {
        w.Line("/// <inheritdoc/>");
        w.Open($"public void Append(in {model.FullyQualifiedName} record)");
        w.Open("if (_faulted)");
        w.Line($"throw {Columns}.Faulted(RecordType);");
        w.Close();
        w.Line();
        if (model.Columns.Count > 0)
        {
            var hasChecks = model.Columns.Any(c => c.Value.Kind == ValueKind.Enum || (!c.IsNullable && (c.Collection != CollectionKind.None || !c.Value.IsValueType)));
            var canThrow = model.Columns.Any(CanThrowWhileAppending);
            if (hasChecks)
            {
                w.Line("// Member-level checks come first: a value rejected here leaves every column as it was.");
            }

            foreach (var column in model.Columns)
            {
                var access = "record." + Identifier(column.MemberName);
                var local = column.MemberName + "Value";
                var nullError = $"{Columns}.NullMember(RecordType, {Literal(column.MemberName)}, _path + {Literal(column.ColumnName)})";
                if (column.Collection == CollectionKind.None && column.Value.Kind == ValueKind.Enum)
                {
                    w.Line(column.IsNullable
                        ? $"var {column.MemberName}Index = {access} is {{ }} {local} ? ToIndex{column.MemberName}({local}) : -1;"
                        : $"var {column.MemberName}Index = ToIndex{column.MemberName}({access});");
                }
                else if (!column.IsNullable && (column.Collection != CollectionKind.None || !column.Value.IsValueType))
                {
                    w.Line($"var {local} = {access} ?? throw {nullError};");
                }
                else
                {
                    w.Line($"var {local} = {access};");
                }
            }

            w.Line();
            if (canThrow)
            {
                w.Open("try");
            }

            var previousWasBlock = false;
            foreach (var column in model.Columns)
            {
                var builder = $"_{column.MemberName}Builder";
                var local = column.MemberName + "Value";
                var isBlock = column.Collection != CollectionKind.None || (column.IsNullable && NeedsNullBranch(column.Value));
                if (previousWasBlock || (isBlock && column != model.Columns[0]))
                {
                    w.Line();
                }

                previousWasBlock = isBlock;
                if (column.Collection == CollectionKind.None)
                {
                    if (column.Value.Kind == ValueKind.Enum)
                    {
                        if (column.IsNullable)
                        {
                            w.Open($"if ({column.MemberName}Index < 0)");
                            w.Line($"{builder}.AppendNull();");
                            w.Close();
                            w.Open("else");
                            w.Line($"{builder}.AppendIndex({column.MemberName}Index);");
                            w.Close();
                        }
                        else
                        {
                            w.Line($"{builder}.AppendIndex({column.MemberName}Index);");
                        }
                    }
                    else
                    {
                        AppendValue(w, builder, local, column.Value, column.MemberName, column.ColumnName, isItem: false);
                    }

                    continue;
                }

                if (column.IsNullable)
                {
                    w.Open($"if ({local} is null)");
                    w.Line($"{builder}.AppendNull();");
                    w.Close();
                    w.Open("else");
                }

                if (column.Collection is CollectionKind.Array or CollectionKind.List)
                {
                    w.Open($"foreach (var item in {local})");
                }
                else
                {
                    w.Open($"for (var i = 0; i < {local}.Count; i++)");
                    w.Line($"var item = {local}[i];");
                }

                AppendValue(w, builder + ".Values", "item", column.Value, column.MemberName, column.ColumnName, isItem: true);
                w.Close();
                w.Line();
                w.Line($"{builder}.EndList();");
                if (column.IsNullable)
                {
                    w.Close();
                }
            }

            if (canThrow)
            {
                w.Close();
                w.Line("catch");
                w.Open();
                w.Line("// Some columns took this row's value and others did not: refuse further use until Clear().");
                w.Line("_faulted = true;");
                w.Line("throw;");
                w.Close();
            }

            w.Line();
        }

        w.Line("_count++;");
        w.Close();
    }

    /// <summary>Appends the value in local <paramref name="value"/> (a member value or a list item) to <paramref name="builder"/>.</summary>
    private static void AppendValue(SourceWriter w, string builder, string value, ValueModel model, string member, string column, bool isItem)
    {
        var conversion = ValueKindInfo.Of(model.Kind).Conversion;
        if (model.Kind == ValueKind.Enum)
        {
            // Only list items get here: enum members were mapped to indices before the try block.
            if (model.IsNullable)
            {
                w.Open($"if ({value}.HasValue)");
                w.Line($"{builder}.AppendIndex(ToIndex{member}({value}.GetValueOrDefault()));");
                w.Close();
                w.Open("else");
                w.Line($"{builder}.AppendNull();");
                w.Close();
            }
            else
            {
                w.Line($"{builder}.AppendIndex(ToIndex{member}({value}));");
            }

            return;
        }

        if (model.IsNullable && model.IsValueType && (conversion is not null || model.Kind == ValueKind.Record))
        {
            var inner = $"{value}.GetValueOrDefault()";
            w.Open($"if ({value}.HasValue)");
            w.Line($"{builder}.Append({(conversion is null ? inner : conversion + "(" + inner + ")")});");
            w.Close();
            w.Open("else");
            w.Line($"{builder}.AppendNull();");
            w.Close();
            return;
        }

        if (model.IsNullable && model.Kind == ValueKind.Record)
        {
            w.Open($"if ({value} is null)");
            w.Line($"{builder}.AppendNull();");
            w.Close();
            w.Open("else");
            w.Line($"{builder}.Append({value});");
            w.Close();
            return;
        }

        if (isItem && !model.IsNullable && !model.IsValueType)
        {
            value = $"{value} ?? throw {Columns}.NullListItem(RecordType, {Literal(member)}, _path + {Literal(column)})";
        }

        w.Line($"{builder}.Append({(conversion is null ? value : conversion + "(" + value + ")")});");
    }

    /// <summary>
    /// Whether appending can fail after earlier columns took the row: strings with unpaired surrogates, decimals that do
    /// not fit, oversized binary data, list items and nested records. Fixed-width values and checked enums cannot.
    /// </summary>
    private static bool CanThrowWhileAppending(ColumnModel column) =>
        column.Collection != CollectionKind.None || ValueKindInfo.Of(column.Value.Kind).AppendCanThrow;

    /// <summary>Whether appending a nullable value takes an if/else rather than a nullable overload of the builder.</summary>
    private static bool NeedsNullBranch(ValueModel value) =>
        value.Kind is ValueKind.Enum or ValueKind.Record || (value.IsValueType && ValueKindInfo.Of(value.Kind).Conversion is not null);

    private static string Placeholder(string builder, ValueModel value, CollectionKind collection, bool nullable)
    {
        if (nullable)
        {
            return builder + ".AppendNull();";
        }

        if (collection != CollectionKind.None)
        {
            return builder + ".EndList();";
        }

        return builder + "." + ValueKindInfo.Of(value.Kind).Placeholder + ";";
    }

    private static string BuilderType(ValueModel value, CollectionKind collection)
    {
        if (collection != CollectionKind.None)
        {
            return $"{Arrow}ListBuilder<{BuilderType(value, CollectionKind.None)}>";
        }

        return ValueKindInfo.Fill(ValueKindInfo.Of(value.Kind).Builder, ("type", value.TypeName));
    }

    private static string NewBuilder(string member, ValueModel value, CollectionKind collection, string field, string name)
    {
        if (collection != CollectionKind.None)
        {
            var item = NewBuilder(member, value, CollectionKind.None, $"(({Arrow}ListType){field}.Type).ValueField", name + " + \".item\"");
            return $"new {BuilderType(value, collection)}({item}, {Bool(value.IsNullable)}, {name})";
        }

        var arguments = ValueKindInfo.Fill(
            ValueKindInfo.Of(value.Kind).BuilderArguments,
            ("arrowType", ArrowType(value)),
            ("name", name),
            ("member", member),
            ("field", field));
        return $"new {BuilderType(value, CollectionKind.None)}({arguments})";
    }

    // ---------------------------------------------------------------- reader

    private static void EmitReader(SourceWriter w, RecordModel model)
    {
        var t = model.FullyQualifiedName;
        w.Open($"private sealed class ArrowReader : {Records}IArrowStructReader<{t}>");
        w.Line($"private const string RecordType = {Literal(model.DisplayName)};");
        w.Line();
        var hasStatics = false;
        foreach (var column in model.Columns.Where(c => c.Value.Kind == ValueKind.Enum))
        {
            var names = string.Join(", ", column.Value.EnumMembers.Select(m => Literal(m.Name)));
            var values = string.Join(", ", column.Value.EnumMembers.Select(m => column.Value.TypeName + "." + Identifier(m.Name)));
            w.Line($"private static readonly string[] s_{column.MemberName}Names = {{ {names} }};");
            w.Line($"private static readonly {column.Value.TypeName}[] s_{column.MemberName}Members = {{ {values} }};");
            hasStatics = true;
        }

        if (hasStatics)
        {
            w.Line();
        }

        foreach (var column in model.Columns)
        {
            w.Line($"private readonly {ColumnType(column.Value, column.Collection)}{(column.IsNullable ? "?" : string.Empty)} _{column.MemberName}Column;");
        }

        w.Line("private readonly string _path;");
        w.Line();
        w.Open($"public ArrowReader({FieldList} fields, global::System.Collections.Generic.IReadOnlyList<{Arrow}ArrowArray> columns, string path)");
        w.Line("_path = path;");
        if (model.Columns.Count > 0)
        {
            w.Line("var expected = ArrowSchema.Fields;");
        }

        for (var i = 0; i < model.Columns.Count; i++)
        {
            var column = model.Columns[i];
            var path = $"path + {Literal(column.ColumnName)}";
            var arrayType = ArrayType(column.Value, column.Collection);
            var bind = $"{Columns}.Bind<{arrayType}>(RecordType, fields, columns, expected[{Int(i)}], {path}, required: {Bool(!column.IsNullable)})";
            var wrap = Wrap(column.MemberName + "Array", column.MemberName, column.Value, column.Collection, path);
            var required = column.IsNullable ? string.Empty : "!";
            if (wrap is null)
            {
                w.Line($"_{column.MemberName}Column = {bind}{required};");
            }
            else
            {
                w.Line($"var {column.MemberName}Array = {bind}{required};");
                w.Line(column.IsNullable
                    ? $"_{column.MemberName}Column = {column.MemberName}Array is null ? null : {wrap};"
                    : $"_{column.MemberName}Column = {wrap};");
            }
        }

        w.Close();
        w.Line();

        w.Open($"public {t} Read(int row)");
        foreach (var column in model.Columns)
        {
            var local = column.MemberName + "Value";
            var field = $"_{column.MemberName}Column";
            if (column.Collection != CollectionKind.None)
            {
                w.Line($"var {local} = Read{column.MemberName}(row);");
                continue;
            }

            var type = column.Value.DeclaredTypeName;
            if (column.IsNullable)
            {
                w.Line($"{type} {local} = {field} is null || {field}.IsNull(row) ? null : {Get(field, "row", column.Value)};");
            }
            else
            {
                w.Line($"{type} {local} = {field}.IsNull(row) ? throw {Columns}.NullValue(RecordType, _path + {Literal(column.ColumnName)}, row) : {Get(field, "row", column.Value)};");
            }
        }

        if (model.Columns.Count > 0)
        {
            w.Line();
        }

        var arguments = string.Join(", ", model.ConstructorArguments.Select(a =>
            Identifier(a.Parameter) + ": " + (a.Column < 0 ? "default" : model.Columns[a.Column].MemberName + "Value")));
        if (model.InitializedColumns.Count == 0)
        {
            w.Line($"return new {t}({arguments});");
        }
        else
        {
            w.Line($"return new {t}({arguments})");
            w.Open();
            foreach (var index in model.InitializedColumns)
            {
                var column = model.Columns[index];
                w.Line($"{Identifier(column.MemberName)} = {column.MemberName}Value,");
            }

            w.Close(";");
        }

        w.Close();

        foreach (var column in model.Columns.Where(c => c.Collection != CollectionKind.None))
        {
            w.Line();
            EmitListRead(w, column);
        }

        w.Close();
    }

    private static void EmitListRead(SourceWriter w, ColumnModel column)
    {
        var item = column.Value.DeclaredTypeName;
        var listType = column.Collection switch
        {
            CollectionKind.Array => item + "[]",
            CollectionKind.List => $"global::System.Collections.Generic.List<{item}>",
            CollectionKind.ReadOnlyList => $"global::System.Collections.Generic.IReadOnlyList<{item}>",
            _ => $"global::System.Collections.Generic.IList<{item}>",
        };
        var isArray = column.Collection is CollectionKind.Array or CollectionKind.ReadOnlyList;
        var field = $"_{column.MemberName}Column";
        w.Open($"private {listType}{(column.IsNullable ? "?" : string.Empty)} Read{column.MemberName}(int row)");
        if (column.IsNullable)
        {
            w.Open($"if ({field} is null || {field}.IsNull(row))");
            w.Line("return null;");
        }
        else
        {
            w.Open($"if ({field}.IsNull(row))");
            w.Line($"throw {Columns}.NullValue(RecordType, _path + {Literal(column.ColumnName)}, row);");
        }

        w.Close();
        w.Line();
        w.Line($"var (start, end) = {field}.GetRange(row);");
        w.Line($"var values = {field}.Items;");
        // A reference-type item is created without its '?' (which array creation cannot express inside jagged
        // arrays such as byte[]?[]) and stored into a variable that carries it.
        var created = column.Value.IsValueType ? item : column.Value.TypeName;
        w.Line(isArray
            ? $"{item}[] items = new {ArrayCreation(created)};"
            : $"var items = new global::System.Collections.Generic.List<{item}>(end - start);");
        w.Open("for (var i = start; i < end; i++)");
        var get = Get("values", "i", column.Value);
        var read = column.Value.IsNullable
            ? $"values.IsNull(i) ? null : {get}"
            : $"values.IsNull(i) ? throw {Columns}.NullItem(RecordType, _path + {Literal(column.ColumnName)}, row, i - start) : {get}";
        w.Line(isArray ? $"items[i - start] = {read};" : $"items.Add({read});");
        w.Close();
        w.Line();
        w.Line("return items;");
        w.Close();
    }

    /// <summary><c>new T[end - start]</c>, with the length in the first rank even when T is itself an array (byte[]).</summary>
    private static string ArrayCreation(string item)
    {
        var bracket = item.IndexOf('[');
        return bracket < 0 ? item + "[end - start]" : item.Substring(0, bracket) + "[end - start]" + item.Substring(bracket);
    }

    private static string Get(string column, string index, ValueModel value)
    {
        var info = ValueKindInfo.Of(value.Kind);
        var bang = info.GetterReturnsNullable && !value.IsNullable ? "!" : string.Empty;
        return $"{column}.{info.Getter}({index}){bang}";
    }

    /// <summary>
    /// The bound array type Bind checks for. Kinds read through an adapter bind any array: Bind has checked the type, and
    /// the adapter decides how to decode the encoding it finds, once per batch.
    /// </summary>
    private static string ArrayType(ValueModel value, CollectionKind collection)
    {
        if (collection != CollectionKind.None)
        {
            return Arrow + "ListArray";
        }

        return ValueKindInfo.Of(value.Kind).BoundArray;
    }

    /// <summary>The type of the reader's field for a column: the array, or a wrapper that reads it as the member type.</summary>
    private static string ColumnType(ValueModel value, CollectionKind collection)
    {
        if (collection != CollectionKind.None)
        {
            return $"{Records}ListColumn<{ColumnType(value, CollectionKind.None)}>";
        }

        return ValueKindInfo.Fill(ValueKindInfo.Of(value.Kind).Column, ("type", value.TypeName));
    }

    /// <summary>The expression wrapping a bound array in <see cref="ColumnType"/>, or null when the array is used as is.</summary>
    /// <param name="list">For list items, the expression of the list array, which adapters use to name the row in errors.</param>
    private static string? Wrap(string array, string member, ValueModel value, CollectionKind collection, string path, string? list = null)
    {
        if (collection != CollectionKind.None)
        {
            var itemsType = ArrayType(value, CollectionKind.None);
            var items = $"{Columns}.ListValues<{itemsType}>(RecordType, {array}, {path})";
            var wrappedItems = Wrap(items, member, value, CollectionKind.None, path + " + \".item\"", array) ?? items;
            return $"new {ColumnType(value, collection)}({array}, {wrappedItems})";
        }

        var arguments = ValueKindInfo.Of(value.Kind).WrapArguments;
        if (arguments is null)
        {
            return null;
        }

        var location = list is null ? $"RecordType, {path}" : $"RecordType, {path}, {list}";
        arguments = ValueKindInfo.Fill(arguments, ("array", array), ("member", member), ("path", path), ("location", location));
        return $"new {ColumnType(value, collection)}({arguments})";
    }

    private static string Cref(RecordModel model) =>
        model.FullyQualifiedName.Replace("global::", string.Empty).Replace('<', '{').Replace('>', '}');
}
