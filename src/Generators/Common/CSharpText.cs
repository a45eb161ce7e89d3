using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Bulwark.Generators.Common;

/// <summary>How the emitters spell names and constants in C#. Used only in the emit step.</summary>
internal static class CSharpText
{
    /// <summary>The name, escaped with <c>@</c> when it is a keyword (<c>@class</c>).</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>A quoted, escaped string literal.</summary>
    public static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <param name="Keyword">The declaration keyword(s): <c>class</c>, <c>struct</c>, <c>record</c> or <c>record struct</c>.</param>
internal sealed record ContainingTypeModel(string Keyword, string Name);
