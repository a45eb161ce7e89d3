using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1004: a background loop (<c>while (true)</c>, <c>for (;;)</c>, <c>while (!ct.IsCancellationRequested)</c>,
/// <c>while (await timer.WaitForNextTickAsync(ct))</c>, <c>do ... while (true)</c>, and <c>while (!_disposed)</c> in a
/// method that is started and left running) whose body can let an exception out. The loop is the whole service (a
/// checkpoint timer, a compaction sweep): one transient I/O error ends it and nothing restarts it, so the process keeps
/// running while the work silently stops.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FragileBackgroundLoopAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// The <c>.editorconfig</c> key listing the methods whose loops are meant to stop on error (a lease renewal that
    /// must end once the lease is lost); see <see cref="MethodListOption"/> for the entries.
    /// </summary>
    public const string StopOnErrorMethodsKey = "bulwark.bwk1004.stop_on_error_methods";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.LoopEndsOnOneError];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(AnalyzeLoop, OperationKind.Loop);
    }

    private static void AnalyzeLoop(OperationAnalysisContext context)
    {
        var loop = (ILoopOperation)context.Operation;
        var shape = LoopShapes.Classify(loop);
        if (shape == LoopShape.None || LoopExceptionEscape.FindEscapingOperation(loop.Body, loop) is null
            || IsMeantToStopOnError(context))
        {
            return;
        }

        // Only now, for a loop that would be reported, look at how its function is started: that costs a search of the type.
        var uses = LoopCallers.FindUses(loop, context.Compilation, context.CancellationToken);
        if (uses.Count > 0 && uses.TrueForAll(u => u == LoopUse.Observed))
        {
            // Every start is awaited: the loop is its caller's work, and its exception is the caller's result.
            return;
        }

        if (shape == LoopShape.Flag && !uses.Contains(LoopUse.Detached) && !LoopCallers.IsHostedServiceLoop(loop, context.CancellationToken))
        {
            // A flag loop in a method nobody is seen to start in the background is a reader walking to its end.
            return;
        }

        var syntax = loop.Syntax;
        var location = Location.Create(syntax.SyntaxTree, LoopShapes.GetHeadSpan(syntax));
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LoopEndsOnOneError, location, LoopShapes.GetHeadText(syntax)));
    }

    // Asked only for a loop that would be reported, so the option is read (and parsed) rarely.
    private static bool IsMeantToStopOnError(OperationAnalysisContext context) =>
        context.ContainingSymbol is IMethodSymbol method
        && new MethodListOption(StopOnErrorMethodsKey, context.Options.AnalyzerConfigOptionsProvider).Lists(method, context.Operation.Syntax.SyntaxTree);
}
