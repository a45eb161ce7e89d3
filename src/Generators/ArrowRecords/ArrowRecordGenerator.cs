using Bulwark.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Bulwark.Generators.ArrowRecords;

/// <summary>
/// Emits <c>IArrowRecord&lt;T&gt;</c> for every <c>[ArrowRecord]</c> type: schema, columnar batch builder and reader.
/// Pipeline (<see cref="GeneratorPipeline"/>): attribute lookup -> <see cref="Parser"/> (symbols to an equatable model
/// and diagnostics) -> <see cref="Emitter"/> (text from the model only); the diagnostics are reported by a second output.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ArrowRecordGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.ArrowRecordAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        GeneratorPipeline.RegisterOutputs(context, results, TrackingNames.Pipeline, static model => new GeneratedSource(model.HintName, Emitter.Emit(model)));
    }
}

/// <summary>Names of the pipeline steps, so tests can check which steps re-ran after an edit.</summary>
public static class TrackingNames
{
    public const string Parse = "ArrowRecordParse";
    public const string Model = "ArrowRecordModel";
    public const string Diagnostics = "ArrowRecordDiagnostics";
    public const string Source = "ArrowRecordSource";

    internal static readonly PipelineNames Pipeline = new(Parse, Model, Diagnostics, Source);
}
