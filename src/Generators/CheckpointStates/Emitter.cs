using System.Globalization;
using System.Linq;
using Bulwark.Generators.Common;
using static Bulwark.Generators.Common.CSharpText;

namespace Bulwark.Generators.CheckpointStates;

/// <summary>
/// Formats a <see cref="StateModel"/> as C#: <c>WriteState</c>, a validating <c>ReadState</c>, the type name and the
/// schema fingerprint. Text only; the <see cref="Parser"/> made every decision.
/// </summary>
internal static class Emitter
{
    private const string Ns = "global::Bulwark.Serialization.";
    private const string Writer = Ns + "CheckpointWriter";
    private const string Reader = Ns + "CheckpointReader";
    private const string Kind = Ns + "CheckpointWireKind.";

    public static string Emit(StateModel model)
    {
        var w = new SourceWriter();
        var t = model.FullyQualifiedName;
        w.OpenFile(
            "Obsolete members are still checkpointed: old checkpoints hold them.",
            model.Namespace,
            model.ContainingTypes,
            $"partial {model.Keyword} {model.Name} : {Ns}ICheckpointState<{t}>");
        w.Line("/// <inheritdoc/>");
        w.Line($"public static string StateTypeName => {Literal(model.StateTypeName)};");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public static ulong SchemaFingerprint => 0x{model.Fingerprint.ToString("X16", CultureInfo.InvariantCulture)}UL;");
        w.Line();
        EmitWrite(w, model);
        w.Line();
        EmitRead(w, model);
        w.CloseFile(model.ContainingTypes);
        return w.ToString();
    }

    private static void EmitWrite(SourceWriter w, StateModel model)
    {
        w.Line("/// <inheritdoc/>");
        w.Open($"public void WriteState(ref {Writer} writer)");
        foreach (var member in model.Members)
        {
            var id = member.Id.ToString(CultureInfo.InvariantCulture);
            var access = "this." + Identifier(member.Name);
            var kind = Kind + WireKind(member.Value);
            if (member.Value.IsNullable)
            {
                var local = "value" + id;
                w.Open($"if ({access} is {{ }} {local})");
                w.Line($"writer.WriteTag({id}, {kind});");
                w.Line(WriteValue(member.Value, local, "writer", 0) + ";");
                w.Close();
                w.Open("else");
                w.Line($"writer.WriteNull({id});");
                w.Close();
            }
            else
            {
                w.Line($"writer.WriteTag({id}, {kind});");
                w.Line(WriteValue(member.Value, access, "writer", 0) + ";");
            }
        }

        w.Close();
    }

    private static void EmitRead(SourceWriter w, StateModel model)
    {
        var t = model.FullyQualifiedName;
        w.Line("/// <inheritdoc/>");
        w.Open($"public static {t} ReadState(ref {Reader} reader)");
        foreach (var member in model.Members)
        {
            var id = member.Id.ToString(CultureInfo.InvariantCulture);
            w.Line($"var seen{id} = false;");
            w.Line($"{member.Value.DeclaredTypeName} value{id} = {(member.Value.IsValueType || member.Value.IsNullable ? "default" : "default!")};");
        }

        var inits = model.Members.Where(m => m.Assign == AssignKind.Init).ToList();
        var useTemplate = !model.UsesConstructor && !model.HasRequiredMembers && inits.Count > 0;

        // Created before the fields are read when it needs no restored value, so that a dictionary or set is read
        // straight into the comparer the constructor chose instead of being rebuilt with it afterwards.
        var stateFirst = !model.UsesConstructor && inits.Count == 0;
        if (stateFirst)
        {
            w.Line($"var state = new {t}();");
        }
        else if (useTemplate)
        {
            w.Line("// Init-only members can only be set in the initializer; a missing field keeps the value a new instance has.");
            w.Line($"var defaults = new {t}();");
        }

        if (stateFirst || useTemplate)
        {
            w.Line();
        }

        w.Open("while (reader.ReadField(out var id, out var kind))");
        w.Open("switch (id)");
        foreach (var member in model.Members)
        {
            var id = member.Id.ToString(CultureInfo.InvariantCulture);
            var kind = Kind + WireKind(member.Value);
            w.Line($"case {id}:");
            using (w.Indent())
            {
                var initial = ComparerSource(member, stateFirst, useTemplate);
                var read = ReadValue(member.Value, "reader", 0, initial);
                var field = $"{Literal(model.Name)}, {Literal(member.Name)}, {id}, {Literal(member.TypeDisplay)}, kind, {kind}, ref seen{id}";
                if (member.Value.IsNullable)
                {
                    w.Line($"value{id} = reader.BeginNullableField({field}) ? {read} : null;");
                }
                else
                {
                    w.Line($"reader.BeginField({field});");
                    w.Line($"value{id} = {read};");
                }

                w.Line("reader.EndField();");
                w.Line("break;");
            }
        }

        w.Line("default:");
        using (w.Indent())
        {
            w.Line("// A field of a newer version of this type, or of a removed member: forward compatible.");
            w.Line("reader.SkipField(id, kind);");
            w.Line("break;");
        }

        w.Close();
        w.Close();
        w.Line();

        if (!stateFirst)
        {
            EmitCreation(w, model, inits, useTemplate);
        }

        foreach (var member in model.Members.Where(m => m.Assign == AssignKind.Assign))
        {
            var id = member.Id.ToString(CultureInfo.InvariantCulture);
            w.Line();
            w.Open($"if (seen{id})");
            w.Line($"state.{Identifier(member.Name)} = {KeepComparer(member, "value" + id, "state." + Identifier(member.Name))};");
            w.Close();
        }

        w.Line();
        w.Line("return state;");
        w.Close();
    }

    private static void EmitCreation(SourceWriter w, StateModel model, List<StateMemberModel> inits, bool useTemplate)
    {
        var creation = new System.Text.StringBuilder("new " + model.FullyQualifiedName + "(");
        if (model.UsesConstructor)
        {
            var first = true;
            foreach (var argument in model.ConstructorArguments)
            {
                if (argument.Member < 0)
                {
                    continue;
                }

                var member = model.Members.First(m => m.Assign == AssignKind.Constructor && m.Parameter == argument.Parameter);
                var id = member.Id.ToString(CultureInfo.InvariantCulture);
                creation.Append(first ? string.Empty : ", ").Append(Identifier(argument.Parameter)).Append(": ")
                    .Append($"seen{id} ? value{id} : {MissingValue(member.Value)}");
                first = false;
            }
        }

        creation.Append(')');
        if (inits.Count == 0)
        {
            w.Line($"var state = {creation};");
            return;
        }

        w.Line($"var state = {creation}");
        w.Open();
        foreach (var member in inits)
        {
            var id = member.Id.ToString(CultureInfo.InvariantCulture);
            var fallback = useTemplate ? "defaults." + Identifier(member.Name) : MissingValue(member.Value);
            var restored = useTemplate ? KeepComparer(member, "value" + id, fallback) : "value" + id;
            w.Line($"{Identifier(member.Name)} = seen{id} ? {restored} : {fallback},");
        }

        w.Close(";");
    }

    /// <summary>
    /// A restored dictionary or set takes the comparer of the one the constructor created (e.g. a case-insensitive
    /// one from a field initializer): restoring must not change how keys compare.
    /// </summary>
    private static string KeepComparer(StateMemberModel member, string restored, string initial) =>
        member.Value.Kind is StateValueKind.Dictionary or StateValueKind.HashSet
            ? $"reader.WithComparerOf({restored}, {initial}, {Literal(member.Name)})"
            : restored;

    /// <summary>
    /// The instance whose dictionary or set <paramref name="member"/> is restored into, read before the fields so the
    /// restored collection is built with its comparer; null where no instance exists before the fields are read.
    /// </summary>
    private static string? ComparerSource(StateMemberModel member, bool stateFirst, bool useTemplate)
    {
        if (member.Value.Kind is not (StateValueKind.Dictionary or StateValueKind.HashSet))
        {
            return null;
        }

        return member.Assign switch
        {
            AssignKind.Assign when stateFirst => "state." + Identifier(member.Name),
            AssignKind.Assign or AssignKind.Init when useTemplate => "defaults." + Identifier(member.Name),
            _ => null,
        };
    }

    /// <summary>What a constructor argument or init member gets when an older checkpoint lacks its field.</summary>
    private static string MissingValue(StateValueModel value)
    {
        if (value.IsNullable)
        {
            return "null";
        }

        return value.Kind switch
        {
            StateValueKind.String => "\"\"",
            StateValueKind.Bytes => "global::System.Array.Empty<byte>()",
            StateValueKind.Array => $"global::System.Array.Empty<{value.Arguments[0].DeclaredTypeName}>()",
            StateValueKind.List or StateValueKind.HashSet or StateValueKind.Dictionary => $"new {value.TypeName}()",
            StateValueKind.State => $"reader.ReadMissingNested<{value.TypeName}>()",
            _ => "default",
        };
    }

    internal static string WireKind(StateValueModel value) => value.Kind switch
    {
        StateValueKind.Single => "Fixed32",
        StateValueKind.Double or StateValueKind.DateTime => "Fixed64",
        StateValueKind.Decimal or StateValueKind.String or StateValueKind.Bytes or StateValueKind.Guid or StateValueKind.DateTimeOffset
            or StateValueKind.State or StateValueKind.Array or StateValueKind.List or StateValueKind.HashSet or StateValueKind.Dictionary => "LengthDelimited",
        _ => "Varint",
    };

    /// <summary>The fewest bytes one item of this model takes on the wire; bounds collection counts by the bytes left.</summary>
    private static int MinSize(StateValueModel value) =>
        value.IsNullable ? 1
        : value.Kind switch
        {
            StateValueKind.Single => 4,
            StateValueKind.Double or StateValueKind.DateTime => 8,
            StateValueKind.Decimal => 17,
            StateValueKind.Guid => 17,
            StateValueKind.DateTimeOffset => 11,
            _ => 1,
        };

    /// <summary>A call that writes the non-null value <paramref name="expression"/> (untagged).</summary>
    private static string WriteValue(StateValueModel value, string expression, string writer, int depth)
    {
        switch (value.Kind)
        {
            case StateValueKind.Enum:
                return $"{writer}.Write{value.Underlying}(({Primitive(value.Underlying)}){expression})";
            case StateValueKind.State:
                return $"{writer}.WriteNested<{value.TypeName}>({expression})";
            case StateValueKind.Array:
            case StateValueKind.List:
            case StateValueKind.HashSet:
                var item = value.Arguments[0];
                return $"{writer}.Write{value.Kind}<{item.DeclaredTypeName}>({expression}, {ItemWriter(item, depth + 1)})";
            case StateValueKind.Dictionary:
                var key = value.Arguments[0];
                var entry = value.Arguments[1];
                return $"{writer}.WriteDictionary<{key.DeclaredTypeName}, {entry.DeclaredTypeName}>({expression}, {ItemWriter(key, depth + 1)}, {ItemWriter(entry, depth + 1)})";
            default:
                return $"{writer}.Write{value.Kind}({expression})";
        }
    }

    private static string ItemWriter(StateValueModel item, int depth)
    {
        var w = "w" + depth.ToString(CultureInfo.InvariantCulture);
        var v = "v" + depth.ToString(CultureInfo.InvariantCulture);
        if (item.IsNullable)
        {
            var inner = item with { IsNullable = false };
            var method = item.IsValueType ? "WriteNullableValue" : "WriteNullableReference";
            return $"static (ref {Writer} {w}, {item.DeclaredTypeName} {v}) => {w}.{method}<{item.TypeName}>({v}, {ItemWriter(inner, depth + 1)})";
        }

        return $"static (ref {Writer} {w}, {item.DeclaredTypeName} {v}) => {WriteValue(item, v, w, depth)}";
    }

    /// <summary>An expression that reads a non-null value (untagged).</summary>
    /// <param name="comparerOf">For a dictionary or set, the collection whose comparer it is read with; null for the default.</param>
    private static string ReadValue(StateValueModel value, string reader, int depth, string? comparerOf = null)
    {
        var comparerArgument = comparerOf is null ? string.Empty : ", " + comparerOf;
        switch (value.Kind)
        {
            case StateValueKind.Enum:
                return $"({value.TypeName}){reader}.Read{value.Underlying}()";
            case StateValueKind.State:
                return $"{reader}.ReadNested<{value.TypeName}>()";
            case StateValueKind.Array:
            case StateValueKind.List:
            case StateValueKind.HashSet:
                var item = value.Arguments[0];
                var itemSize = MinSize(item).ToString(CultureInfo.InvariantCulture);
                return $"{reader}.Read{value.Kind}<{item.DeclaredTypeName}>({ItemReader(item, depth + 1)}, {itemSize}{(value.Kind == StateValueKind.HashSet ? comparerArgument : string.Empty)})";
            case StateValueKind.Dictionary:
                var key = value.Arguments[0];
                var entry = value.Arguments[1];
                var pair = (MinSize(key) + MinSize(entry)).ToString(CultureInfo.InvariantCulture);
                return $"{reader}.ReadDictionary<{key.DeclaredTypeName}, {entry.DeclaredTypeName}>({ItemReader(key, depth + 1)}, {ItemReader(entry, depth + 1)}, {pair}{comparerArgument})";
            default:
                return $"{reader}.Read{value.Kind}()";
        }
    }

    private static string ItemReader(StateValueModel item, int depth)
    {
        var r = "r" + depth.ToString(CultureInfo.InvariantCulture);
        if (item.IsNullable)
        {
            var inner = item with { IsNullable = false };
            var method = item.IsValueType ? "ReadNullableValue" : "ReadNullableReference";
            return $"static (ref {Reader} {r}) => {r}.{method}<{item.TypeName}>({ItemReader(inner, depth + 1)})";
        }

        return $"static (ref {Reader} {r}) => {ReadValue(item, r, depth)}";
    }

    private static string Primitive(StateValueKind kind) => kind switch
    {
        StateValueKind.SByte => "sbyte",
        StateValueKind.Int16 => "short",
        StateValueKind.Int32 => "int",
        StateValueKind.Int64 => "long",
        StateValueKind.Byte => "byte",
        StateValueKind.UInt16 => "ushort",
        StateValueKind.UInt32 => "uint",
        _ => "ulong",
    };
}
