using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1005: within one method that deletes (File.Delete, Directory.Delete, FileSystemInfo.Delete, a storage backend's
/// Delete*/Remove*), a collection gathered with its failures dropped (<c>catch { continue; }</c> in the gathering loop,
/// <c>Where(r =&gt; r.Succeeded)</c>, <c>OfType&lt;T&gt;()</c> over results) decides what is deleted. A manifest that
/// failed to load then references nothing, so the files it protects look unused and garbage collection deletes live data.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SwallowedFailureInKeepSetAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.FailuresFilteredBeforeDeletion];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationBlockAction(AnalyzeBlock);
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context)
    {
        foreach (var block in context.OperationBlocks)
        {
            AnalyzeBody(context, block);
        }
    }

    private static void AnalyzeBody(OperationBlockAnalysisContext context, IOperation body)
    {
        var deletions = new List<IOperation>();
        var catches = new List<ICatchClauseOperation>();
        var filters = new List<IInvocationOperation>();
        foreach (var operation in body.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IInvocationOperation or IMethodReferenceOperation when KeepSetSources.IsDeletion(operation):
                    deletions.Add(operation);
                    break;
                case IInvocationOperation invocation when KeepSetSources.IsSuccessFilter(invocation):
                    filters.Add(invocation);
                    break;
                case ICatchClauseOperation clause when KeepSetSources.Swallows(clause):
                    catches.Add(clause);
                    break;
            }
        }

        // Most methods never delete: one walk, nothing more.
        if (deletions.Count == 0 || (catches.Count == 0 && filters.Count == 0))
        {
            return;
        }

        var flows = KeepSetFlow.CollectFlows(body);
        var method = DescribeOwner(context.OwningSymbol);
        foreach (var clause in catches)
        {
            var filled = KeepSetSources.CollectionsFilledIn(KeepSetSources.GatheringScope(clause), (ITryOperation)clause.Parent!);
            if (filled.Count > 0 && KeepSetFlow.FindDecidedDeletion(body, flows, deletions, seed: null, filled) is not null)
            {
                Report(context, clause, method);
            }
        }

        foreach (var filter in filters)
        {
            if (KeepSetFlow.FindDecidedDeletion(body, flows, deletions, filter, []) is not null)
            {
                Report(context, filter, method);
            }
        }
    }

    private static void Report(OperationBlockAnalysisContext context, IOperation source, string method)
    {
        var span = KeepSetSources.GetSpan(source);
        var text = LoopShapes.CollapseWhitespace(source.Syntax.SyntaxTree.GetText().ToString(span));
        if (text.Length > 60 && source is ICatchClauseOperation)
        {
            // A long handler would drown the message; its head says which catch it is.
            var block = source.Syntax.ChildNodes().Last();
            text = LoopShapes.CollapseWhitespace(source.Syntax.SyntaxTree.GetText().ToString(TextSpan.FromBounds(span.Start, block.SpanStart))) + " { ... }";
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.FailuresFilteredBeforeDeletion,
            Location.Create(source.Syntax.SyntaxTree, span),
            text,
            method));
    }

    private static string DescribeOwner(ISymbol symbol) => symbol switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } constructor => constructor.ContainingType.Name,
        IMethodSymbol { Name: WellKnownMemberNames.TopLevelStatementsEntryPointMethodName } => "the top-level statements",
        IMethodSymbol { AssociatedSymbol: { } property } => property.Name,
        _ => symbol.Name,
    };
}
