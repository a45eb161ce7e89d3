using System;
using System.Linq;
using Bulwark.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Bulwark.Generators.CheckpointStates;

/// <summary>
/// Emits <c>ICheckpointState&lt;T&gt;</c> for every <c>[CheckpointState]</c> type and checks its ids against the
/// committed <c>bulwark.lock.json</c>. Pipeline: attribute lookup -> <see cref="Parser"/> (symbols to equatable models)
/// -> <see cref="Emitter"/> (text); the lock file is an AdditionalText, and <c>build_property.BulwarkUpdateLockFile</c>
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

        var models = parsed.Select(static (result, _) => result.Model).WithTrackingName(CheckpointStateTrackingNames.Model);
        var checks = parsed.Select(static (result, _) => result.Check).WithTrackingName(CheckpointStateTrackingNames.Check);

        var sources = models
            .Select(static (model, _) => model.CanEmit ? new StateSource(model.HintName, Emitter.Emit(model)) : null)
            .WithTrackingName(CheckpointStateTrackingNames.Source);

        var lockFile = context.AdditionalTextsProvider
            .Where(static text => LockFile.IsLockFile(text))
            .Select(static (text, cancellationToken) => LockFile.Parse(text, cancellationToken))
            .Collect()
            .Select(static (files, _) => files.OrderBy(f => f.Path, StringComparer.Ordinal).FirstOrDefault());

        var updating = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue(LockFile.UpdateProperty, out var value)
            && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase));

        context.RegisterSourceOutput(sources, static (context, source) =>
        {
            if (source is not null)
            {
                context.AddSource(source.HintName, source.Text);
            }
        });

        var missing = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue(LockFile.MissingProperty, out var value) ? LockFile.ParseMissing(value) : MissingLockFile.Unknown);

        context.RegisterSourceOutput(checks.Combine(lockFile.Combine(updating).Combine(missing)), static (context, input) =>
        {
            var (check, ((file, update), absent)) = input;
            foreach (var diagnostic in check.Diagnostics)
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            if (file is null && !update && absent == MissingLockFile.NotCreated)
            {
                context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.LockFileMissing, check.TypeLocation, check.DisplayName).ToDiagnostic());
            }

            var usable = file is { Error: null } ? file : null;
            foreach (var diagnostic in LockFile.Check(check, usable, update))
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        context.RegisterSourceOutput(lockFile, static (context, file) =>
        {
            if (file is { Error: { } error })
            {
                context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.LockFileInvalid, LockFile.Location(file), error).ToDiagnostic());
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
    public const string Model = "CheckpointStateModel";
    public const string Check = "CheckpointStateCheck";
    public const string Source = "CheckpointStateSource";
}

internal sealed record StateSource(string HintName, string Text);
