using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Bulwark.Generators.Common;
using static Bulwark.Generators.Common.CSharpText;

namespace Bulwark.Generators.ArrowRecords;

/// <summary>The <c>ArrowReader</c> nested class: binds the columns of a batch (or struct array) and reads records back.</summary>
internal static partial class Emitter
{
    private static void EmitReader(SourceWriter w, RecordModel model)
    {
        var t = model.FullyQualifiedName;
        w.Open($"private sealed class ArrowReader : {Records}IArrowStructReader<{t}>");
        w.Line($"private const string RecordType = {Literal(model.DisplayName)};");
        w.Line();
        var hasStatics = false;
        foreach (var (member, _, value) in Enums(model))
        {
            var names = string.Join(", ", value.EnumMembers.Select(m => Literal(m.Name)));
            var values = string.Join(", ", value.EnumMembers.Select(m => value.TypeName + "." + Identifier(m.Name)));
            w.Line($"private static readonly string[] s_{member}Names = {{ {names} }};");
            w.Line($"private static readonly {value.TypeName}[] s_{member}Members = {{ {values} }};");
            hasStatics = true;
        }

        if (hasStatics)
        {
            w.Line();
        }

        foreach (var column in model.Columns)
        {
            w.Line($"private readonly {ColumnType(column.Value, column.Collection, column.Key)}{(column.IsNullable ? "?" : string.Empty)} _{column.MemberName}Column;");
        }

        w.Line("private readonly string _path;");
        w.Line();
        w.Open($"public ArrowReader({FieldList} fields, global::System.Collections.Generic.IReadOnlyList<{Apache}IArrowArray> columns, string path)");
        w.Line("_path = path;");
        if (model.Columns.Count > 0)
        {
            w.Line("var expected = ArrowSchema.FieldsList;");
        }

        for (var i = 0; i < model.Columns.Count; i++)
        {
            var column = model.Columns[i];
            var path = $"path + {Literal(column.ColumnName)}";
            var arrayType = ArrayType(column.Value, column.Collection);
            var bind = $"{Columns}.Bind<{arrayType}>(RecordType, fields, columns, expected[{Int(i)}], {path}, required: {Bool(!column.IsNullable)})";
            var wrap = Wrap(column.MemberName + "Array", column.MemberName, column.Value, column.Collection, path, key: column.Key);
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
            if (column.Collection.IsMap())
            {
                EmitMapRead(w, column);
            }
            else
            {
                EmitListRead(w, column);
            }
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

    private static void EmitMapRead(SourceWriter w, ColumnModel column)
    {
        var key = column.Key!.TypeName;
        var value = column.Value.DeclaredTypeName;
        var mapType = column.Collection switch
        {
            CollectionKind.Dictionary => $"global::System.Collections.Generic.Dictionary<{key}, {value}>",
            CollectionKind.ReadOnlyDictionary => $"global::System.Collections.Generic.IReadOnlyDictionary<{key}, {value}>",
            _ => $"global::System.Collections.Generic.IDictionary<{key}, {value}>",
        };
        var field = $"_{column.MemberName}Column";
        var path = $"_path + {Literal(column.ColumnName)}";
        w.Open($"private {mapType}{(column.IsNullable ? "?" : string.Empty)} Read{column.MemberName}(int row)");
        if (column.IsNullable)
        {
            w.Open($"if ({field} is null || {field}.IsNull(row))");
            w.Line("return null;");
        }
        else
        {
            w.Open($"if ({field}.IsNull(row))");
            w.Line($"throw {Columns}.NullValue(RecordType, {path}, row);");
        }

        w.Close();
        w.Line();
        w.Line($"var (start, end) = {field}.GetRange(row);");
        w.Line($"var keys = {field}.Keys;");
        w.Line($"var values = {field}.Values;");
        w.Line($"var map = new global::System.Collections.Generic.Dictionary<{key}, {value}>(end - start);");
        w.Open("for (var i = start; i < end; i++)");
        w.Open($"if (keys.IsNull(i) || {field}.IsNullEntry(i))");
        w.Line($"throw {field}.NullKey(row, i);");
        w.Close();
        w.Line();
        w.Line($"var key = {Get("keys", "i", column.Key)};");
        var get = Get("values", "i", column.Value);
        w.Line(column.Value.IsNullable
            ? $"{value} value = values.IsNull(i) ? null : {get};"
            : $"{value} value = values.IsNull(i) ? throw {Columns}.NullMapValue(RecordType, {path}, row, i - start) : {get};");
        w.Open("if (!map.TryAdd(key, value))");
        w.Line($"throw {field}.DuplicateKey(row, i, key);");
        w.Close();
        w.Close();
        w.Line();
        w.Line("return map;");
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
        if (collection.IsMap())
        {
            return Apache + "MapArray";
        }

        if (collection.IsList())
        {
            return Apache + "ListArray";
        }

        return ValueKindInfo.Of(value.Kind).BoundArray;
    }

    /// <summary>The type of the reader's field for a column: the array, or a wrapper that reads it as the member type.</summary>
    private static string ColumnType(ValueModel value, CollectionKind collection, ValueModel? key = null)
    {
        if (collection.IsMap())
        {
            return $"{Records}MapColumn<{ColumnType(key!, CollectionKind.None)}, {ColumnType(value, CollectionKind.None)}>";
        }

        if (collection.IsList())
        {
            return $"{Records}ListColumn<{ColumnType(value, CollectionKind.None)}>";
        }

        return ValueKindInfo.Fill(ValueKindInfo.Of(value.Kind).Column, ("type", value.TypeName));
    }

    /// <summary>The expression wrapping a bound array in <see cref="ColumnType"/>, or null when the array is used as is.</summary>
    /// <param name="list">For list items and map entries, the expression of the list or map array, which adapters use to name the row in errors.</param>
    /// <param name="key">For maps, the key.</param>
    private static string? Wrap(string array, string member, ValueModel value, CollectionKind collection, string path, string? list = null, ValueModel? key = null)
    {
        if (collection.IsMap())
        {
            var keysPath = path + " + \".key\"";
            var valuesPath = path + " + \".value\"";
            var keys = $"{Columns}.MapKeys<{ArrayType(key!, CollectionKind.None)}>(RecordType, {array}, {path})";
            var values = $"{Columns}.MapValues<{ArrayType(value, CollectionKind.None)}>(RecordType, {array}, {path})";
            var wrappedKeys = Wrap(keys, KeyMember(member), key!, CollectionKind.None, keysPath, array) ?? keys;
            var wrappedValues = Wrap(values, member, value, CollectionKind.None, valuesPath, array) ?? values;
            return $"new {ColumnType(value, collection, key)}({array}, {wrappedKeys}, {wrappedValues}, RecordType, {path})";
        }

        if (collection.IsList())
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
}
