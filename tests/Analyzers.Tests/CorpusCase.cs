using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers.Tests;

/// <summary>A diagnostic of the corpus, reduced to what the corpus compares: its id and the 1-based line it starts on.</summary>
public readonly record struct CorpusDiagnostic(string Id, int Line)
{
    public override string ToString() => $"{Id}@{Line}";
}

/// <summary>
/// One file of the regression corpus (<c>Corpus/&lt;ID&gt;/&lt;CaseName&gt;.cs</c>): a self-contained source whose first
/// line is <c>// corpus: description</c>, optionally followed by <c>// editorconfig: key = value</c> lines, with every
/// expected diagnostic marked <c>{|BWK1004:...|}</c>. A file with no marker is a guard that must stay silent.
/// </summary>
/// <param name="Path">Where the case lives, <c>Corpus/BWK1004/CheckpointLoop.cs</c>; reported with every miss.</param>
/// <param name="Folder">The id folder the case is filed under, <c>BWK1004</c>.</param>
/// <param name="Source">The source with the markers removed; its lines are the file's lines.</param>
public sealed record CorpusCase(
    string Path,
    string Folder,
    string Description,
    ImmutableDictionary<string, string> Options,
    string Source,
    ImmutableArray<CorpusDiagnostic> Expected)
{
    private const string DescriptionPrefix = "// corpus:";
    private const string OptionPrefix = "// editorconfig:";

    private static readonly Regex FolderId = new(@"^BWK\d{4}$", RegexOptions.CultureInvariant);

    /// <summary>Whether the case expects no diagnostic at all.</summary>
    public bool IsSilent => Expected.IsEmpty;

    /// <summary>Reads one case; a malformed header or marker fails with a <see cref="FormatException"/> naming the file.</summary>
    public static CorpusCase Parse(string path, string text)
    {
        var parts = path.Replace('\\', '/').Split('/');
        if (parts.Length != 3 || parts[0] != "Corpus" || !FolderId.IsMatch(parts[1]) || !parts[2].EndsWith(".cs", StringComparison.Ordinal))
        {
            throw new FormatException($"{path}: a corpus case lives at Corpus/<BWKnnnn>/<CaseName>.cs.");
        }

        var lines = text.ReplaceLineEndings("\n").Split('\n');
        if (!lines[0].StartsWith(DescriptionPrefix, StringComparison.Ordinal) || lines[0].Length == DescriptionPrefix.Length)
        {
            throw new FormatException($"{path}: the first line must be '{DescriptionPrefix} <one-line description>'.");
        }

        var options = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1).TakeWhile(l => l.StartsWith(OptionPrefix, StringComparison.Ordinal)))
        {
            var setting = line[OptionPrefix.Length..];
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? string.Empty : setting[..equals].Trim();
            if (key.Length == 0)
            {
                throw new FormatException($"{path}: '{line}' is not '{OptionPrefix} key = value'.");
            }

            options[key] = setting[(equals + 1)..].Trim();
        }

        (string source, IReadOnlyList<ExpectedSpan> spans) parsed;
        try
        {
            parsed = Markup.Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }

        var sourceText = SourceText.From(parsed.source);
        var expected = parsed.spans.Select(span => span.Id is null
                ? throw new FormatException($"{path}: a corpus marker names its id ({{|BWK1004:...|}}); '[|...|]' is ambiguous when every analyzer runs.")
                : new CorpusDiagnostic(span.Id, sourceText.Lines.GetLineFromPosition(span.Span.Start).LineNumber + 1))
            .ToImmutableArray();

        return new CorpusCase(path, parts[1], lines[0][DescriptionPrefix.Length..].Trim(), options.ToImmutable(), parsed.source, expected);
    }
}

/// <summary>What the analyzers reported on one case.</summary>
public sealed record CorpusOutcome(CorpusCase Case, ImmutableArray<CorpusDiagnostic> Reported);

/// <summary>A reported diagnostic no marker expects (false positive) or a marker nothing reported (false negative).</summary>
public sealed record CorpusMiss(bool FalsePositive, string Path, CorpusDiagnostic Diagnostic)
{
    public override string ToString() => $"{(FalsePositive ? "FP" : "FN")} {Diagnostic.Id} {Path}:{Diagnostic.Line}";
}
