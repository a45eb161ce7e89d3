using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Bulwark.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Generators.CheckpointStates;

/// <summary>One state type's entry in <c>bulwark.lock.json</c>.</summary>
internal sealed record LockTypeModel(string StateTypeName, EquatableArray<LockFieldModel> Fields, EquatableArray<int> Reserved);

/// <summary>What the build does about a project without a lock file, as the package's build targets tell it.</summary>
internal enum MissingLockFile
{
    /// <summary>No word from the build (the generator runs without the package's targets): nothing to report.</summary>
    Unknown,

    /// <summary>The build target writes the first lock file from the generated source.</summary>
    Created,

    /// <summary>The build does not create it (a CI build, or opted out): each state type gets BWK0113.</summary>
    NotCreated,
}

/// <param name="Error">Why the file could not be read; the other members are empty then.</param>
internal sealed record LockFileModel(string Path, EquatableArray<LockTypeModel> Types, string? Error);

/// <summary>
/// The committed lock file that turns an incompatible edit of a state type into a build error: per state type its
/// (id, name, type) rows and the ids of removed members, which stay reserved forever.
/// <code>
/// { "version": 1, "states": { "Sample.HostCounter": { "fields": [ { "id": 1, "name": "_total", "type": "int64" } ], "reserved": [ 2 ] } } }
/// </code>
/// </summary>
internal static class LockFile
{
    public const string FileName = "bulwark.lock.json";
    public const string UpdateProperty = "build_property.BulwarkUpdateLockFile";
    public const string GeneratedHintName = "BulwarkLockFile.g.cs";

    /// <summary>Set by the package's build targets when the project has no lock file: <c>create</c> or <c>warn</c>.</summary>
    public const string MissingProperty = "build_property._BulwarkLockFileMissing";

    /// <summary>The prefix of the generated lines that hold the new lock file; the build target strips it.</summary>
    public const string LinePrefix = "//! ";

    public static MissingLockFile ParseMissing(string? value) =>
        string.Equals(value?.Trim(), "create", StringComparison.OrdinalIgnoreCase) ? MissingLockFile.Created
        : string.Equals(value?.Trim(), "warn", StringComparison.OrdinalIgnoreCase) ? MissingLockFile.NotCreated
        : MissingLockFile.Unknown;

    public static bool IsLockFile(AdditionalText text) =>
        string.Equals(Path.GetFileName(text.Path), FileName, StringComparison.OrdinalIgnoreCase);

    public static LockFileModel Parse(AdditionalText text, CancellationToken cancellationToken)
    {
        var content = text.GetText(cancellationToken)?.ToString() ?? string.Empty;
        try
        {
            return new LockFileModel(text.Path, ParseTypes(content).ToEquatableArray(), null);
        }
        catch (FormatException e)
        {
            return new LockFileModel(text.Path, EquatableArray<LockTypeModel>.Empty, e.Message);
        }
    }

    private static List<LockTypeModel> ParseTypes(string content)
    {
        if (MiniJson.Parse(content) is not Dictionary<string, object?> root)
        {
            throw new FormatException("the document is not a JSON object");
        }

        if (!root.TryGetValue("version", out var version) || version is not double v || v != 1)
        {
            throw new FormatException("\"version\" must be 1");
        }

        if (!root.TryGetValue("states", out var statesValue) || statesValue is not Dictionary<string, object?> states)
        {
            throw new FormatException("\"states\" must be an object keyed by state type name");
        }

        var types = new List<LockTypeModel>();
        foreach (var pair in states.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (pair.Value is not Dictionary<string, object?> state)
            {
                throw new FormatException($"\"{pair.Key}\" must be an object");
            }

            var fields = new List<LockFieldModel>();
            if (state.TryGetValue("fields", out var fieldsValue) && fieldsValue is not null)
            {
                if (fieldsValue is not List<object?> list)
                {
                    throw new FormatException($"\"{pair.Key}\".fields must be an array");
                }

                foreach (var item in list)
                {
                    if (item is not Dictionary<string, object?> field
                        || !field.TryGetValue("id", out var id) || !IsId(id)
                        || !field.TryGetValue("name", out var name) || name is not string
                        || !field.TryGetValue("type", out var type) || type is not string)
                    {
                        throw new FormatException($"each of \"{pair.Key}\".fields must be {{ \"id\": positive integer, \"name\": string, \"type\": string }}");
                    }

                    var fieldId = (int)(double)id!;
                    if (fields.Any(f => f.Id == fieldId))
                    {
                        throw new FormatException($"\"{pair.Key}\" lists id {fieldId} twice");
                    }

                    fields.Add(new LockFieldModel(fieldId, (string)name, (string)type, null));
                }
            }

            var reserved = new List<int>();
            if (state.TryGetValue("reserved", out var reservedValue) && reservedValue is not null)
            {
                if (reservedValue is not List<object?> list || list.Any(i => !IsId(i)))
                {
                    throw new FormatException($"\"{pair.Key}\".reserved must be an array of positive integers");
                }

                reserved.AddRange(list.Select(i => (int)(double)i!));
            }

            types.Add(new LockTypeModel(pair.Key, fields.OrderBy(f => f.Id).ToEquatableArray(), reserved.Distinct().OrderBy(i => i).ToEquatableArray()));
        }

        return types;
    }

    private static bool IsId(object? value) => value is double d && d >= 1 && d <= int.MaxValue && Math.Floor(d) == d;

    /// <summary>
    /// The lock-file rules for one state type: an id keeps its type, a reserved id is not reused, and a locked id
    /// that no member has any more must be reserved (unless the lock file is being rewritten, which reserves it).
    /// </summary>
    public static IEnumerable<DiagnosticInfo> Check(StateCheckModel state, LockFileModel? lockFile, bool updating)
    {
        var locked = lockFile?.Types.FirstOrDefault(t => t.StateTypeName == state.StateTypeName);
        if (locked is null)
        {
            yield break;
        }

        foreach (var field in state.Fields)
        {
            var id = field.Id.ToString(CultureInfo.InvariantCulture);
            if (locked.Reserved.Contains(field.Id))
            {
                yield return DiagnosticInfo.Create(DiagnosticDescriptors.ReservedIdReused, field.Location, field.Name, state.DisplayName, id);
                continue;
            }

            var previous = locked.Fields.FirstOrDefault(f => f.Id == field.Id);
            if (previous is not null && !IsCompatible(previous.Type, field.Type))
            {
                yield return DiagnosticInfo.Create(DiagnosticDescriptors.LockedIdTypeChanged, field.Location, field.Name, state.DisplayName, id, field.Type, previous.Type, previous.Name);
            }
        }

        if (updating)
        {
            yield break;
        }

        foreach (var previous in locked.Fields)
        {
            if (!state.Fields.Any(f => f.Id == previous.Id) && !locked.Reserved.Contains(previous.Id))
            {
                yield return DiagnosticInfo.Create(DiagnosticDescriptors.LockedIdRemoved, state.TypeLocation, state.DisplayName, previous.Id.ToString(CultureInfo.InvariantCulture), previous.Name, previous.Type);
            }
        }
    }

    /// <summary>
    /// Whether bytes written as <paramref name="locked"/> read back as <paramref name="current"/>. Names of enums and
    /// nested states are not written, arrays, lists and sets share one encoding, a member may become nullable (the
    /// reverse would reject stored nulls), and an integer may widen within its signedness (int32 -> int64,
    /// uint8 -> uint32): a varint carries no width, so the wider reader takes every stored value. Narrowing and a change
    /// of signedness (zigzag against plain varints) are not compatible.
    /// </summary>
    internal static bool IsCompatible(string locked, string current)
    {
        var a = WireShape(locked);
        var b = WireShape(current);
        return a == Widened(a, b) || a + "?" == Widened(a + "?", b);
    }

    private static readonly string[][] IntegerLadders =
    [
        ["int8", "int16", "int32", "int64"],
        ["uint8", "uint16", "uint32", "uint64"],
    ];

    /// <summary><paramref name="current"/> with each integer that widens the one at the same place in <paramref name="locked"/> replaced by it.</summary>
    private static string Widened(string locked, string current)
    {
        var lockedTokens = Tokens(locked);
        var currentTokens = Tokens(current);
        if (lockedTokens.Count != currentTokens.Count)
        {
            return current;
        }

        for (var i = 0; i < currentTokens.Count; i++)
        {
            foreach (var ladder in IntegerLadders)
            {
                var from = Array.IndexOf(ladder, lockedTokens[i]);
                var to = Array.IndexOf(ladder, currentTokens[i]);
                if (from >= 0 && to > from)
                {
                    currentTokens[i] = lockedTokens[i];
                }
            }
        }

        return string.Concat(currentTokens);
    }

    /// <summary>Runs of letters and digits, and every other character on its own.</summary>
    private static List<string> Tokens(string shape)
    {
        var tokens = new List<string>();
        var start = 0;
        for (var i = 0; i <= shape.Length; i++)
        {
            if (i == shape.Length || !char.IsLetterOrDigit(shape[i]))
            {
                if (i > start)
                {
                    tokens.Add(shape.Substring(start, i - start));
                }

                if (i < shape.Length)
                {
                    tokens.Add(shape[i].ToString());
                }

                start = i + 1;
            }
        }

        return tokens;
    }

    private static string WireShape(string type)
    {
        var builder = new StringBuilder(type.Length);
        var depth = 0;
        foreach (var c in type)
        {
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (depth == 0)
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Replace("array<", "seq<").Replace("list<", "seq<").Replace("hashset<", "seq<");
    }

    public static LocationInfo Location(LockFileModel lockFile) =>
        new(lockFile.Path, new TextSpan(0, 0), new LinePositionSpan(LinePosition.Zero, LinePosition.Zero));

    /// <summary>
    /// The lock file as it should be now: current state types with their fields, ids that disappeared moved to the
    /// reserved list, and entries of state types not in this compilation kept as they are.
    /// </summary>
    public static string Render(IEnumerable<StateCheckModel> states, LockFileModel? previous)
    {
        var types = new SortedDictionary<string, LockTypeModel>(StringComparer.Ordinal);
        if (previous is not null)
        {
            foreach (var type in previous.Types)
            {
                types[type.StateTypeName] = type;
            }
        }

        foreach (var state in states)
        {
            var reserved = new SortedSet<int>();
            if (types.TryGetValue(state.StateTypeName, out var old))
            {
                reserved.UnionWith(old.Reserved);
                reserved.UnionWith(old.Fields.Select(f => f.Id).Where(id => !state.Fields.Any(f => f.Id == id)));
            }

            types[state.StateTypeName] = new LockTypeModel(state.StateTypeName, state.Fields, reserved.ToEquatableArray());
        }

        var builder = new StringBuilder();
        builder.Append("{\n  \"version\": 1,\n  \"states\": {");
        var firstType = true;
        foreach (var type in types.Values)
        {
            builder.Append(firstType ? "\n" : ",\n");
            firstType = false;
            builder.Append("    ").Append(MiniJson.Quote(type.StateTypeName)).Append(": {\n      \"fields\": [");
            var firstField = true;
            foreach (var field in type.Fields.OrderBy(f => f.Id))
            {
                builder.Append(firstField ? "\n" : ",\n");
                firstField = false;
                builder.Append("        { \"id\": ").Append(field.Id.ToString(CultureInfo.InvariantCulture))
                    .Append(", \"name\": ").Append(MiniJson.Quote(field.Name))
                    .Append(", \"type\": ").Append(MiniJson.Quote(field.Type)).Append(" }");
            }

            builder.Append(firstField ? "],\n" : "\n      ],\n");
            builder.Append("      \"reserved\": [").Append(string.Join(", ", type.Reserved.Select(i => i.ToString(CultureInfo.InvariantCulture)))).Append("]\n    }");
        }

        builder.Append(firstType ? "}\n}\n" : "\n  }\n}\n");
        return builder.ToString();
    }

    /// <summary>
    /// The first lock file of a project that has none, as <see cref="RenderSource"/>; without state types it holds no
    /// lock-file lines, so the build target creates nothing.
    /// </summary>
    public static string RenderFirstSource(IReadOnlyCollection<StateCheckModel> states)
    {
        if (states.Count > 0)
        {
            return RenderSource(states, null);
        }

        return "// <auto-generated/>\n// No [CheckpointState] types: the Bulwark build target creates no " + FileName + ".\n";
    }

    /// <summary>A C# file of comments only, whose <see cref="LinePrefix"/> lines are the new lock file.</summary>
    public static string RenderSource(IEnumerable<StateCheckModel> states, LockFileModel? previous)
    {
        var builder = new StringBuilder();
        builder.Append("// <auto-generated/>\n");
        builder.Append("// The updated ").Append(FileName).Append(" (BulwarkUpdateLockFile=true). The Bulwark build target writes the lines\n");
        builder.Append("// that start with \"").Append(LinePrefix.TrimEnd()).Append("\", without that prefix, to the project's ").Append(FileName).Append(".\n");
        foreach (var line in Render(states, previous).TrimEnd('\n').Split('\n'))
        {
            builder.Append(LinePrefix).Append(line).Append('\n');
        }

        return builder.ToString();
    }
}
