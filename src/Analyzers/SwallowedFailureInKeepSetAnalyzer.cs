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
/// <para>
/// The set and the deletion may also sit in different methods of one type: a loader fills a field (or returns the set,
/// or passes it on) and a recovery method deletes what the set does not hold (<see cref="KeepSetMembers"/>). That is
/// judged per type at its end, from what the one walk of each body kept; the diagnostic stays at the dropping catch or
/// filter and names the method that deletes.
/// </para>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SwallowedFailureInKeepSetAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.FailuresFilteredBeforeDeletion];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Nothing can be deleted without one of these types, so nothing is walked.
            var compilation = start.Compilation;
            if (!HasType(compilation, KnownTypes.File) && !HasType(compilation, KnownTypes.Directory)
                && !HasType(compilation, KeepSetSources.FileSystemInfo) && !HasType(compilation, KnownTypes.StorageBackend))
            {
                return;
            }

            // Per type: each member body is walked once as it is analysed; the bodies worth a second look wait for the
            // end of their type, where a keep-set filled in one method meets the deletion in another.
            start.RegisterSymbolStartAction(typeStart =>
            {
                var type = (INamedTypeSymbol)typeStart.Symbol;
                var bodies = new List<KeepSetBody>();
                var reported = new HashSet<IOperation>();
                typeStart.RegisterOperationBlockAction(block =>
                {
                    // A nested type's members come here too; they belong to the nested type's own pass.
                    if (!SymbolEqualityComparer.Default.Equals(block.OwningSymbol.ContainingType, type))
                    {
                        return;
                    }

                    foreach (var operation in block.OperationBlocks)
                    {
                        AnalyzeBody(block, operation, type, bodies, reported);
                    }
                });
                typeStart.RegisterSymbolEndAction(end =>
                {
                    List<KeepSetBody> kept;
                    lock (bodies)
                    {
                        kept = [.. bodies];
                    }

                    KeepSetMembers.Analyze(type, kept, reported, (source, method) => Report(end.ReportDiagnostic, source, method), end.CancellationToken);
                });
            }, SymbolKind.NamedType);
        });
    }

    private static bool HasType(Compilation compilation, TypeName name) =>
        !compilation.GetTypesByMetadataName(name.FullMetadataName).IsEmpty;

    private static void AnalyzeBody(OperationBlockAnalysisContext context, IOperation body, INamedTypeSymbol type, List<KeepSetBody> bodies, HashSet<IOperation> reported)
    {
        var deletions = new List<IOperation>();
        var catches = new List<ICatchClauseOperation>();
        var filters = new List<IInvocationOperation>();
        var calls = new List<IInvocationOperation>();
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
                case IInvocationOperation invocation when KeepSetMembers.IsOwnMethod(invocation.TargetMethod, type):
                    calls.Add(invocation);
                    break;
                case ICatchClauseOperation clause when KeepSetSources.Swallows(clause) && !KeepSetMembers.CatchesOnlyAbsence(clause):
                    catches.Add(clause);
                    break;
            }
        }

        var method = DescribeOwner(context.OwningSymbol);
        if (deletions.Count > 0 || catches.Count > 0 || filters.Count > 0 || calls.Count > 0)
        {
            lock (bodies)
            {
                bodies.Add(new KeepSetBody(context.OwningSymbol, method, body, deletions, catches, filters, calls));
            }
        }

        // Most methods never delete: one walk, nothing more.
        if (deletions.Count == 0 || (catches.Count == 0 && filters.Count == 0))
        {
            return;
        }

        var flows = KeepSetFlow.CollectFlows(body);
        var sources = new List<IOperation>();
        foreach (var clause in catches)
        {
            var filled = KeepSetSources.CollectionsFilledIn(KeepSetSources.GatheringScope(clause), (ITryOperation)clause.Parent!);
            if (filled.Count > 0 && KeepSetFlow.FindDecidedDeletion(body, flows, deletions, seed: null, filled) is not null)
            {
                sources.Add(clause);
            }
        }

        foreach (var filter in filters)
        {
            if (KeepSetFlow.FindDecidedDeletion(body, flows, deletions, filter, []) is not null)
            {
                sources.Add(filter);
            }
        }

        foreach (var source in sources)
        {
            lock (reported)
            {
                reported.Add(source);
            }

            Report(context.ReportDiagnostic, source, method);
        }
    }

    private static void Report(Action<Diagnostic> report, IOperation source, string method)
    {
        var span = KeepSetSources.GetSpan(source);
        var text = LoopShapes.CollapseWhitespace(source.Syntax.SyntaxTree.GetText().ToString(span));
        if (text.Length > 60 && source is ICatchClauseOperation)
        {
            // A long handler would drown the message; its head says which catch it is.
            var block = source.Syntax.ChildNodes().Last();
            text = LoopShapes.CollapseWhitespace(source.Syntax.SyntaxTree.GetText().ToString(TextSpan.FromBounds(span.Start, block.SpanStart))) + " { ... }";
        }

        report(Diagnostic.Create(
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
