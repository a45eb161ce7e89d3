using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers.Tests;

/// <summary>An expected diagnostic: its id (null for "the analyzer's only id") and where it is.</summary>
public sealed record ExpectedSpan(string? Id, TextSpan Span);

/// <summary>
/// Test sources mark expected diagnostics inline: <c>[|text|]</c> for the analyzer's single id, <c>{|BWK1003:text|}</c>
/// to name the id. Markers may nest; the marked text is what the diagnostic's span must cover exactly.
/// </summary>
public static class Markup
{
    public static (string Source, IReadOnlyList<ExpectedSpan> Spans) Parse(string markup)
    {
        var source = new StringBuilder(markup.Length);
        var spans = new List<ExpectedSpan>();
        var open = new Stack<(string? Id, int Start)>();
        var i = 0;
        while (i < markup.Length)
        {
            if (Starts(markup, i, "[|"))
            {
                open.Push((null, source.Length));
                i += 2;
            }
            else if (Starts(markup, i, "{|") && markup.IndexOf(':', i) is var colon and > 0 && IsId(markup, i + 2, colon))
            {
                open.Push((markup.Substring(i + 2, colon - i - 2), source.Length));
                i = colon + 1;
            }
            else if (Starts(markup, i, "|]") || Starts(markup, i, "|}"))
            {
                if (open.Count == 0)
                {
                    throw new FormatException($"Unbalanced '{markup.Substring(i, 2)}' at offset {i} of the test markup.");
                }

                var (id, start) = open.Pop();
                if ((id is null) != (markup[i + 1] == ']'))
                {
                    throw new FormatException($"'{markup.Substring(i, 2)}' at offset {i} closes the wrong kind of marker.");
                }

                spans.Add(new ExpectedSpan(id, TextSpan.FromBounds(start, source.Length)));
                i += 2;
            }
            else
            {
                source.Append(markup[i]);
                i++;
            }
        }

        if (open.Count != 0)
        {
            throw new FormatException("The test markup has an unclosed marker.");
        }

        return (source.ToString(), spans.OrderBy(s => s.Span.Start).ThenBy(s => s.Span.End).ToList());
    }

    private static bool Starts(string text, int index, string token) =>
        string.CompareOrdinal(text, index, token, 0, token.Length) == 0;

    // Only an identifier-like run before the colon counts, so "{|" in ordinary C# (a pattern, an interpolation) is left alone.
    private static bool IsId(string text, int start, int end)
    {
        if (end <= start)
        {
            return false;
        }

        for (var i = start; i < end; i++)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
