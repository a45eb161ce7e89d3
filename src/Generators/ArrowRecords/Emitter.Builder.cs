using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Bulwark.Generators.Common;
using static Bulwark.Generators.Common.CSharpText;

namespace Bulwark.Generators.ArrowRecords;

/// <summary>The <c>BatchBuilder</c> nested class: one Arrow builder per column, appending records row by row.</summary>
internal static partial class Emitter
{
    private static void EmitBatchBuilder(SourceWriter w, RecordModel model)
    {
        var t = model.FullyQualifiedName;
        w.Line($"/// <summary>Appends <see cref=\"{Cref(model)}\"/> values column by column and cuts them into record batches.</summary>");
        w.Open($"public {(model.HidesInheritedMembers ? "new " : string.Empty)}sealed class BatchBuilder : {Records}IArrowBatchBuilder<{t}>, {Records}IArrowStructWriter<{t}>");
        w.Line($"private const string RecordType = {Literal(model.DisplayName)};");
        w.Line();
        var hasStatics = false;
        foreach (var (member, _, value) in Enums(model))
        {
            var names = string.Join(", ", value.EnumMembers.Select(m => Literal(m.Name)));
            w.Line($"private static readonly {Apache}ArrayData s_{member}Dictionary = {Records}DictionaryColumnBuilder.CreateUtf8Dictionary(new[] {{ {names} }});");
            hasStatics = true;
        }

        if (hasStatics)
        {
            w.Line();
        }

        foreach (var column in model.Columns)
        {
            w.Line($"private readonly {BuilderType(column.Value, column.Collection, column.Key)} _{column.MemberName}Builder;");
        }

        w.Line($"private readonly {Records}ColumnBuilder[] _columns;");
        w.Line("private readonly string _path;");
        w.Line("private int _count;");
        w.Line("private bool _faulted;");
        w.Line();

        w.Line($"/// <summary>Creates an empty builder for batches of <see cref=\"ArrowSchema\"/>.</summary>");
        w.Line("public BatchBuilder()");
        using (w.Indent())
        {
            w.Line(": this(ArrowSchema.FieldsList, string.Empty)");
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
            w.Line($"_{column.MemberName}Builder = {NewBuilder(column.MemberName, column.Value, column.Collection, field, name, column.Key)};");
        }

        var builders = string.Join(", ", model.Columns.Select(c => $"_{c.MemberName}Builder"));
        w.Line(model.Columns.Count == 0 ? $"_columns = global::System.Array.Empty<{Records}ColumnBuilder>();" : $"_columns = new {Records}ColumnBuilder[] {{ {builders} }};");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public int Count => _count;");
        w.Line();
        w.Line($"global::System.Collections.Generic.IReadOnlyList<{Records}ColumnBuilder> {Records}IArrowStructWriter<{t}>.Children => _columns;");
        w.Line();

        EmitAppend(w, model);
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public {Apache}RecordBatch Build()");
        w.Open("if (_faulted)");
        w.Line($"throw {Columns}.Faulted(RecordType);");
        w.Close();
        w.Line();
        w.Line("var length = _count;");
        w.Line("_count = 0;");
        w.Line($"return {Records}ColumnBuilder.BuildBatch(ArrowSchema, _columns, length);");
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

        foreach (var (member, columnName, value) in Enums(model))
        {
            w.Line();
            w.Open($"private int ToIndex{member}({value.TypeName} value) => value switch");
            for (var i = 0; i < value.EnumMembers.Count; i++)
            {
                var enumMember = value.EnumMembers[i];
                if (!enumMember.IsAlias)
                {
                    w.Line($"{value.TypeName}.{Identifier(enumMember.Name)} => {Int(i)},");
                }
            }

            w.Line($"_ => throw {Columns}.UndefinedEnumValue(_path + {Literal(columnName)}, value),");
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
                // A flag set around the appends rather than try/catch: in a protected region the JIT keeps what the handler
                // uses on the stack and reloads it after every call (measured 10-14% of a 6-column append).
                w.Line("// Faulted until every column has taken this row's value: should one throw, some columns would hold the");
                w.Line("// row and others not, and the builder refuses further use until Clear().");
                w.Line("_faulted = true;");
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
                        AppendValue(w, builder, local, column.Value, column.MemberName, nullError: null);
                    }

                    continue;
                }

                var path = $"_path + {Literal(column.ColumnName)}";

                if (column.IsNullable)
                {
                    w.Open($"if ({local} is null)");
                    w.Line($"{builder}.AppendNull();");
                    w.Close();
                    w.Open("else");
                }

                if (column.Collection.IsMap())
                {
                    w.Open($"foreach (var entry in {local})");
                    AppendValue(w, builder + ".Keys", "entry.Key", column.Key!, KeyMember(column.MemberName), $"{Columns}.NullMapKey(RecordType, {Literal(column.MemberName)}, {path})");
                    AppendValue(w, builder + ".Values", "entry.Value", column.Value, column.MemberName, $"{Columns}.NullMapValue(RecordType, {Literal(column.MemberName)}, {path})");
                }
                else if (column.Collection is CollectionKind.Array or CollectionKind.List)
                {
                    w.Open($"foreach (var item in {local})");
                }
                else
                {
                    w.Open($"for (var i = 0; i < {local}.Count; i++)");
                    w.Line($"var item = {local}[i];");
                }

                if (column.Collection.IsList())
                {
                    AppendValue(w, builder + ".Values", "item", column.Value, column.MemberName, $"{Columns}.NullListItem(RecordType, {Literal(column.MemberName)}, {path})");
                }

                w.Close();
                w.Line();
                w.Line($"{builder}.{(column.Collection.IsMap() ? "EndMap" : "EndList")}();");
                if (column.IsNullable)
                {
                    w.Close();
                }
            }

            if (canThrow)
            {
                if (previousWasBlock)
                {
                    w.Line();
                }

                w.Line("_faulted = false;");
            }

            w.Line();
        }

        w.Line("_count++;");
        w.Close();
    }

    /// <summary>Appends the value in <paramref name="value"/> (a member value, a list item, a map key or value) to <paramref name="builder"/>.</summary>
    /// <param name="member">The member name enum helpers stand under (<see cref="KeyMember"/> for map keys).</param>
    /// <param name="nullError">For list items and map entries, what a null in a non-nullable reference type throws.</param>
    private static void AppendValue(SourceWriter w, string builder, string value, ValueModel model, string member, string? nullError)
    {
        var conversion = ValueKindInfo.Of(model.Kind).Conversion;
        if (model.Kind == ValueKind.Enum)
        {
            // Only list items and map entries get here: enum members were mapped to indices before the try block.
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

        if (nullError is not null && !model.IsNullable && !model.IsValueType)
        {
            value = $"{value} ?? throw {nullError}";
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
            return builder + (collection.IsMap() ? ".EndMap();" : ".EndList();");
        }

        return builder + "." + ValueKindInfo.Of(value.Kind).Placeholder + ";";
    }

    private static string BuilderType(ValueModel value, CollectionKind collection, ValueModel? key = null)
    {
        if (collection.IsMap())
        {
            return $"{Records}MapColumnBuilder<{BuilderType(key!, CollectionKind.None)}, {BuilderType(value, CollectionKind.None)}>";
        }

        if (collection.IsList())
        {
            return $"{Records}ListColumnBuilder<{BuilderType(value, CollectionKind.None)}>";
        }

        return ValueKindInfo.Fill(ValueKindInfo.Of(value.Kind).Builder, ("type", value.TypeName));
    }

    private static string NewBuilder(string member, ValueModel value, CollectionKind collection, string field, string name, ValueModel? key = null)
    {
        if (collection.IsMap())
        {
            var mapType = $"(({ApacheTypes}MapType){field}.DataType)";
            var keys = NewBuilder(KeyMember(member), key!, CollectionKind.None, mapType + ".KeyField", name + " + \".key\"");
            var values = NewBuilder(member, value, CollectionKind.None, mapType + ".ValueField", name + " + \".value\"");
            return $"new {BuilderType(value, collection, key)}({mapType}, {keys}, {values}, {name})";
        }

        if (collection.IsList())
        {
            var item = NewBuilder(member, value, CollectionKind.None, $"(({ApacheTypes}ListType){field}.DataType).ValueField", name + " + \".item\"");
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
}
