using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1001's <c>bulwark.bwk1001.deserialization_methods</c> option, as .editorconfig and as a global config.</summary>
public sealed class Bwk1001OptionsTests
{
    private const string CodecSource = """
        namespace Acme.Storage
        {
            public static class MyCodec
            {
                public static int ReadLength(byte[] bytes) => bytes.Length > 0 ? bytes[0] : 0;

                public static int ReadChecked(byte[] bytes) => ReadLength(bytes) & 0xFF;
            }
        }

        class C
        {
            int M(byte[] bytes) => Acme.Storage.MyCodec.ReadLength(bytes) + Acme.Storage.MyCodec.ReadChecked(bytes);
        }
        """;

    [Theory]
    [InlineData("MyCodec.ReadLength")]
    [InlineData("Acme.Storage.MyCodec.ReadLength")]
    [InlineData("Other.Api, MyCodec.ReadLength; ")]
    [InlineData("ReadLength")]
    public async Task Listed_methods_are_unchecked_apis_for_their_callers(string option)
    {
        var diagnostics = await AnalyzeWithOptionAsync(CodecSource, option);

        // ReadChecked is not listed, so its own call of ReadLength is reported like any other.
        Assert.Equal(
            ["ReadLength(bytes)", "Acme.Storage.MyCodec.ReadLength(bytes)"],
            diagnostics.Select(d => d.SpanText));
        Assert.All(diagnostics, d => Assert.Contains("'MyCodec.ReadLength' reinterprets its input", d.Message));
    }

    [Fact]
    public async Task A_listed_method_may_call_another_listed_method()
    {
        var diagnostics = await AnalyzeWithOptionAsync("""
            public static class MyCodec
            {
                public static int ReadRaw(byte[] bytes) => bytes[0];

                public static int ReadLength(byte[] bytes) => ReadRaw(bytes) & 0x7F;
            }

            class C
            {
                int M(byte[] bytes) => MyCodec.ReadLength(bytes);
            }
            """, "MyCodec.ReadLength, MyCodec.ReadRaw");

        Assert.Equal(["MyCodec.ReadLength(bytes)"], diagnostics.Select(d => d.SpanText));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Other.MyCodec.ReadLength")]
    [InlineData("MyCodec.ReadChecked2")]
    [InlineData("Codec.ReadLength")]
    public async Task Without_a_matching_entry_nothing_is_reported(string? option)
    {
        Assert.Empty(await AnalyzeWithOptionAsync(CodecSource, option));
    }

    [Fact]
    public async Task A_global_config_value_applies_to_every_file()
    {
        var diagnostics = await AnalyzeWithOptionAsync(CodecSource, "MyCodec.ReadLength", global: true);
        Assert.Equal(2, diagnostics.Length);
    }

    private static async Task<ImmutableArray<AnalyzerDiagnostic>> AnalyzeWithOptionAsync(string source, string? option, bool global = false)
    {
        var compilation = AnalyzerHarness.CreateCompilation(source);
        AnalyzerHarness.AssertCompiles(compilation);
        var values = option is null
            ? ImmutableDictionary<string, string>.Empty
            : ImmutableDictionary<string, string>.Empty.Add("bulwark.bwk1001.deserialization_methods", option);
        var provider = global ? new Options(ImmutableDictionary<string, string>.Empty, values) : new Options(values, ImmutableDictionary<string, string>.Empty);
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new UncheckedDeserializationAnalyzer());
        var diagnostics = await compilation
            .WithAnalyzers(analyzers, new AnalyzerOptions([], provider))
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics.Select(AnalyzerHarness.Describe).OrderBy(d => d.Start).ToImmutableArray();
    }

    /// <summary>What an .editorconfig section (per file) and a .globalconfig (global) hand the analyzer.</summary>
    private sealed class Options(ImmutableDictionary<string, string> perFile, ImmutableDictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(global);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values(perFile);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Values(perFile);

        private sealed class Values(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
        }
    }
}
