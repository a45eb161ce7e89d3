using System;
using System.Linq;
using Bulwark.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Bulwark.Generators.CheckpointStates;

/// <summary>
/// Emits <c>ICheckpointState&lt;T&gt;</c> for every <c>[CheckpointState]</c> type and checks its ids against the
/// committed <c>bulwark.lock.json</c>. Pipeline (<see cref="GeneratorPipeline"/>, as for Arrow records): attribute
/// lookup -> <see cref="Parser"/> (symbols to an equatable model and diagnostics) -> <see cref="Emitter"/> (text from the
/// model only), the diagnostics reported by a second output. The lock-file check is a third input the parse produces
/// (<see cref="StateCheckModel"/>, with locations); the lock file is an AdditionalText, and <c>build_property.BulwarkUpdateLockFile</c>
/// asks for the rewritten lock file as a generated comment file that the package's build target copies out;
/// <c>build_property._BulwarkLockFileMissing</c> (set by that target when there is no lock file) asks for the first
/// one the same way, or for a warning that the build will not create it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class CheckpointStateGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.CheckpointStateAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(CheckpointStateTrackingNames.Parse);

        var results = parsed.Select(static (parse, _) => parse.Result).WithTrackingName(CheckpointStateTrackingNames.Result);
        GeneratorPipeline.RegisterOutputs(context, results, CheckpointStateTrackingNames.Pipeline, static model => new GeneratedSource(model.HintName, Emitter.Emit(model)));

        var checks = parsed.Select(static (parse, _) => parse.Check).WithTrackingName(CheckpointStateTrackingNames.Check);

        var lockFile = context.AdditionalTextsProvider
            .Where(static text => LockFile.IsLockFile(text))
            .Select(static (text, cancellationToken) => LockFile.Parse(text, cancellationToken))
            .Collect()
            .Select(static (files, _) => files.OrderBy(f => f.Path, StringComparer.Ordinal).FirstOrDefault());

        var updating = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue(LockFile.UpdateProperty, out var value)
            && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase));

        var missing = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue(LockFile.MissingProperty, out var value) ? LockFile.ParseMissing(value) : MissingLockFile.Unknown);

        // Combined with the compilation to report at locations in its trees, where #pragma and .editorconfig apply.
        context.RegisterSourceOutput(checks.Combine(lockFile.Combine(updating).Combine(missing)).Combine(context.CompilationProvider), static (context, input) =>
        {
            var ((check, ((file, update), absent)), compilation) = input;
            if (file is null && !update && absent == MissingLockFile.NotCreated)
            {
                context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.LockFileMissing, check.TypeLocation, check.DisplayName).ToDiagnostic(compilation));
            }

            var usable = file is { Error: null } ? file : null;
            foreach (var diagnostic in LockFile.Check(check, usable, update))
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic(compilation));
            }
        });

        context.RegisterSourceOutput(lockFile, static (context, file) =>
        {
            if (file is { Error: { } error })
            {
                context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.LockFileInvalid, LockFile.Location(file), error).ToDiagnostic(null));
            }
        });

        context.RegisterSourceOutput(checks.Collect().Combine(lockFile.Combine(updating).Combine(missing)), static (context, input) =>
        {
            var (states, ((file, update), absent)) = input;
            if (update && file is not { Error: not null })
            {
                context.AddSource(LockFile.GeneratedHintName, LockFile.RenderSource(states, file));
            }
            else if (!update && file is null && absent == MissingLockFile.Created)
            {
                // Emitted even without state types, so that a stale file from an earlier compile is always replaced.
                context.AddSource(LockFile.GeneratedHintName, LockFile.RenderFirstSource(states));
            }
        });
    }
}

/// <summary>Names of the pipeline steps, so tests can check which steps re-ran after an edit.</summary>
public static class CheckpointStateTrackingNames
{
    public const string Parse = "CheckpointStateParse";
    public const string Result = "CheckpointStateResult";
    public const string Model = "CheckpointStateModel";
    public const string Diagnostics = "CheckpointStateDiagnostics";
    public const string Check = "CheckpointStateCheck";
    public const string Source = "CheckpointStateSource";

    internal static readonly PipelineNames Pipeline = new(Result, Model, Diagnostics, Source);
}
