using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Bulwark.Generators.CheckpointStates;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Generators.Tests.CheckpointStates;

/// <summary>
/// Runs <see cref="CheckpointStateGenerator"/> through the shared <see cref="GeneratorHarness"/>, with an optional
/// <c>bulwark.lock.json</c> AdditionalText and the <c>BulwarkUpdateLockFile</c> build property.
/// </summary>
internal static class CheckpointHarness
{
    public const string LockPath = "/project/bulwark.lock.json";

    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using Bulwark;

        """;

    /// <param name="missing">The <c>_BulwarkLockFileMissing</c> build property the package's targets set: <c>create</c>, <c>warn</c> or none.</param>
    public static GeneratorDriver CreateDriver(string? lockJson = null, bool update = false, string? missing = null) =>
        CreateDriver(lockJson is null ? null : new InMemoryText(LockPath, lockJson), update, missing);

    public static GeneratorDriver CreateDriver(AdditionalText? lockText, bool update = false, string? missing = null) =>
        CSharpGeneratorDriver.Create(
            [new CheckpointStateGenerator().AsSourceGenerator()],
            lockText is null ? [] : [lockText],
            GeneratorHarness.ParseOptions,
            new Options(update ? "true" : null, missing),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(string source, string? lockJson = null, bool update = false, string? missing = null) =>
        GeneratorHarness.Run(GeneratorHarness.CreateCompilation(Usings + source), CreateDriver(lockJson, update, missing));

    /// <summary>Compares with <c>Snapshots/CheckpointStates/&lt;name&gt;.verified.cs</c> (the folder the test project excludes from compilation).</summary>
    public static void MatchesSnapshot(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        var testsRoot = Path.GetDirectoryName(Path.GetDirectoryName(callerFile))!;
        Directory.CreateDirectory(Path.Combine(testsRoot, "Snapshots", "CheckpointStates"));
        SnapshotAssert.Matches(actual, "CheckpointStates/" + name, Path.Combine(testsRoot, "CheckpointStates.cs"));
    }

    public sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private sealed class Options(string? update, string? missing) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(update, missing);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Values.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Values.Empty;
    }

    private sealed class Values(string? update, string? missing) : AnalyzerConfigOptions
    {
        public static readonly Values Empty = new(null, null);

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
        {
            value = key switch
            {
                "build_property.BulwarkUpdateLockFile" => update,
                "build_property._BulwarkLockFileMissing" => missing,
                _ => null,
            };
            return value is not null;
        }
    }
}
