using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1004: a background loop (<c>while (true)</c>, <c>for (;;)</c>, <c>while (!ct.IsCancellationRequested)</c>,
/// <c>while (await timer.WaitForNextTickAsync(ct))</c>, <c>do ... while (true)</c>) whose body can let an exception
/// out. The loop is the whole service (a checkpoint timer, a compaction sweep): one transient I/O error ends it and
/// nothing restarts it, so the process keeps running while the work silently stops.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FragileBackgroundLoopAnalyzer : DiagnosticAnalyzer
{
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
        if (!LoopShapes.IsBackgroundLoop(loop) || LoopExceptionEscape.FindEscapingOperation(loop.Body) is null)
        {
            return;
        }

        var syntax = loop.Syntax;
        var location = Location.Create(syntax.SyntaxTree, LoopShapes.GetHeadSpan(syntax));
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LoopEndsOnOneError, location, LoopShapes.GetHeadText(syntax)));
    }
}
