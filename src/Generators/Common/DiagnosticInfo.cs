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

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>A diagnostic as equatable data; turned back into a <see cref="Diagnostic"/> only when reported.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor, location, messageArgs.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), MessageArgs.Cast<object?>().ToArray());

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

    public bool Equals(DiagnosticInfo? other) =>
        other is not null
        && ReferenceEquals(Descriptor, other.Descriptor)
        && Equals(Location, other.Location)
        && MessageArgs.Equals(other.MessageArgs);

    public override int GetHashCode() => unchecked((Descriptor.Id.GetHashCode() * 31) + (Location?.GetHashCode() ?? 0));
}
