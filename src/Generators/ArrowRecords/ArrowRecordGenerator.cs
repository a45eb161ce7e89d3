using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Bulwark.Generators.ArrowRecords;

/// <summary>
/// Emits <c>IArrowRecord&lt;T&gt;</c> for every <c>[ArrowRecord]</c> type: schema, columnar batch builder and reader.
/// Pipeline: attribute lookup -> <see cref="Parser"/> (symbols to an equatable model) -> <see cref="Emitter"/> (text).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ArrowRecordGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.ArrowRecordAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Model);

        var sources = models
            .Select(static (model, _) => model.CanEmit ? new GeneratedSource(model.HintName, Emitter.Emit(model)) : null)
            .WithTrackingName(TrackingNames.Source);

        context.RegisterSourceOutput(models, static (context, model) =>
        {
            foreach (var diagnostic in model.Diagnostics)
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        context.RegisterSourceOutput(sources, static (context, source) =>
        {
            if (source is not null)
            {
                context.AddSource(source.HintName, source.Text);
            }
        });
    }
}

/// <summary>Names of the pipeline steps, so tests can check which steps re-ran after an edit.</summary>
public static class TrackingNames
{
    public const string Model = "ArrowRecordModel";
    public const string Source = "ArrowRecordSource";
}

internal sealed record GeneratedSource(string HintName, string Text);
