using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Generators.Common;

/// <summary>
/// Where a diagnostic points, without holding a <see cref="SyntaxTree"/>: a <see cref="Location"/> would keep the whole
/// compilation alive in the cached model and never compare equal across runs.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxReference? reference) =>
        reference is null ? null : From(reference.SyntaxTree.GetLocation(reference.Span));

    /// <summary>
    /// The location in the compilation's own tree when there is one, else an external-file location. Only a location in a
    /// tree (<see cref="LocationKind.SourceFile"/>) is checked against that tree's <c>#pragma warning</c> directives and
    /// per-file <c>.editorconfig</c> severities; <c>Location.Create(path, span, lineSpan)</c> alone bypasses both.
    /// </summary>
    public Location ToLocation(Compilation? compilation)
    {
        if (compilation is not null)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (string.Equals(tree.FilePath, FilePath, StringComparison.Ordinal) && Span.End <= tree.Length)
                {
                    return Location.Create(tree, Span);
                }
            }
        }

        return Location.Create(FilePath, Span, LineSpan);
    }
}

/// <summary>A diagnostic as equatable data; turned back into a <see cref="Diagnostic"/> only when reported.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor, location, messageArgs.ToEquatableArray());

    /// <param name="compilation">The compilation the location is resolved against (see <see cref="LocationInfo.ToLocation"/>).</param>
    public Diagnostic ToDiagnostic(Compilation? compilation) =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(compilation), MessageArgs.Cast<object?>().ToArray());

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

    public bool Equals(DiagnosticInfo? other) =>
        other is not null
        && ReferenceEquals(Descriptor, other.Descriptor)
        && Equals(Location, other.Location)
        && MessageArgs.Equals(other.MessageArgs);

    public override int GetHashCode() => unchecked((Descriptor.Id.GetHashCode() * 31) + (Location?.GetHashCode() ?? 0));
}
