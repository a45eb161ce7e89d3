using System;
using Microsoft.CodeAnalysis;

namespace Bulwark.Generators.Common;

/// <summary>The tracked step names of one generator, so tests can check which steps re-ran after an edit.</summary>
/// <param name="Parse">The <c>ForAttributeWithMetadataName</c> transform: a <see cref="ParseResult{TModel}"/> per type.</param>
/// <param name="Model">The model alone; equal models leave the emitter cached.</param>
/// <param name="Diagnostics">The diagnostics alone, reported by their own output.</param>
/// <param name="Source">The emitted text.</param>
internal sealed record PipelineNames(string Parse, string Model, string Diagnostics, string Source);

/// <summary>
/// The shape both generators share, after System.Text.Json's and LoggerMessage's generators: parse -> equatable
/// (model, diagnostics) -> one output that emits source from the model only, and a second that reports the diagnostics.
/// </summary>
internal static class GeneratorPipeline
{
    public static void RegisterOutputs<TModel>(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<ParseResult<TModel>> results,
        PipelineNames names,
        Func<TModel, GeneratedSource> emit)
        where TModel : class
    {
        var sources = results
            .Select(static (result, _) => result.Model)
            .WithTrackingName(names.Model)
            .Select((model, _) => model is null ? null : emit(model))
            .WithTrackingName(names.Source);

        context.RegisterSourceOutput(sources, static (context, source) =>
        {
            if (source is not null)
            {
                context.AddSource(source.HintName, source.Text);
            }
        });

        // Resolving locations needs the compilation's trees, so this output re-runs on every edit; it only reports.
        var diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(names.Diagnostics)
            .Where(static diagnostics => diagnostics.Count > 0)
            .Combine(context.CompilationProvider);

        context.RegisterSourceOutput(diagnostics, static (context, input) => Report(context, input.Left, input.Right));
    }

    public static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, Compilation? compilation)
    {
        foreach (var diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(compilation));
        }
    }
}
