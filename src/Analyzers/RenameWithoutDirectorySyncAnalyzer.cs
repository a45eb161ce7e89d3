using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1003: a rename or replace of a directory entry (<c>File.Move</c>, <c>File.Replace</c>, <c>Directory.Move</c>,
/// <c>FileInfo.MoveTo/Replace</c>, <c>DirectoryInfo.MoveTo</c>, any <c>[RequiresDirectorySync]</c> method) after which
/// some path leaves the method normally without syncing a directory. A sync is a call to a method whose name starts
/// with <c>SyncDirectory</c> or <c>FsyncDirectory</c> (this covers <c>IStorageBackend.SyncDirectoryAsync</c> and its
/// implementations, and a project's own helper of that name). Paths that end in an exception are not judged: the
/// caller is told the operation failed and does not rely on the rename.
/// </summary>
/// <remarks>
/// Two kinds of code are exempt, both because the obligation moves to a caller that is checked in turn:
/// members of a type that implements <c>IStorageBackend</c> or derives from <c>PendingFile</c> (or is nested in one),
/// whose documented contract (DESIGN §4) is that a commit or a delete marks the directory dirty and the caller makes it
/// durable with <c>SyncDirectoryAsync</c> — syncing on every commit would cost one directory fsync per file where the
/// checkpointer needs one per directory; and a method that is itself <c>[RequiresDirectorySync]</c>, which declares
/// the same hand-over to its callers.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RenameWithoutDirectorySyncAnalyzer : DiagnosticAnalyzer
{
    private static readonly TypeName FileInfo = new("System.IO.FileInfo");
    private static readonly TypeName DirectoryInfo = new("System.IO.DirectoryInfo");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [DiagnosticDescriptors.RenameWithoutDirectorySync];

    public override void Initialize(AnalysisContext context)
    {
        // Direct calls rather than ConfigureBulwarkDefaults: RS1025/RS1026 only recognise them in Initialize itself.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationBlockStartAction(block =>
        {
            if (DefersSyncToCaller(block.OwningSymbol))
            {
                return;
            }

            // The graph is built only for blocks that rename; most methods never do.
            var renames = new RenameSeen();
            block.RegisterOperationAction(
                operation =>
                {
                    if (IsRename(((IInvocationOperation)operation.Operation).TargetMethod))
                    {
                        renames.Value = true;
                    }
                },
                OperationKind.Invocation);
            block.RegisterOperationBlockEndAction(end =>
            {
                if (!renames.Value)
                {
                    return;
                }

                foreach (var graph in FlowGraphs.GetAll(end))
                {
                    end.CancellationToken.ThrowIfCancellationRequested();
                    var rules = new RenameRules(graph);
                    if (rules.HasSites)
                    {
                        new FlowWalker(graph, rules).Run();
                        rules.Report(end.ReportDiagnostic);
                    }
                }
            });
        });
    }

    internal static bool IsRename(IMethodSymbol method)
    {
        var type = method.ContainingType;
        var renames = method.Name switch
        {
            "Move" => KnownTypes.File.Matches(type) || KnownTypes.Directory.Matches(type),
            "Replace" => KnownTypes.File.Matches(type) || FileInfo.Matches(type),
            "MoveTo" => FileInfo.Matches(type) || DirectoryInfo.Matches(type),
            _ => false,
        };
        return renames || method.GetInheritedAttribute(KnownTypes.RequiresDirectorySyncAttribute) is not null;
    }

    internal static bool IsDirectorySync(IMethodSymbol method) =>
        method.Name.StartsWith("SyncDirectory", StringComparison.Ordinal) || method.Name.StartsWith("FsyncDirectory", StringComparison.Ordinal);

    private static bool DefersSyncToCaller(ISymbol owner)
    {
        if (owner is IMethodSymbol method && method.GetInheritedAttribute(KnownTypes.RequiresDirectorySyncAttribute) is not null)
        {
            return true;
        }

        for (var type = owner.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsOrDerivesFrom(KnownTypes.StorageBackend) || type.IsOrDerivesFrom(KnownTypes.PendingFile))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class RenameSeen
    {
        private volatile bool _value;

        public bool Value
        {
            get => _value;
            set => _value = value;
        }
    }

    /// <summary>First = renames that may still await a directory sync.</summary>
    private sealed class RenameRules : IFlowRules
    {
        private const int MaxSites = 64;

        private readonly List<IInvocationOperation> _sites = new();
        private readonly Dictionary<IOperation, int> _siteOf = new();
        private readonly HashSet<int> _unsynced = new();

        public RenameRules(ControlFlowGraph graph)
        {
            foreach (var block in graph.Blocks)
            {
                foreach (var root in FlowGraphs.Roots(block))
                {
                    foreach (var operation in root.DescendantsAndSelf())
                    {
                        if (operation is IInvocationOperation invocation && IsRename(invocation.TargetMethod) && _sites.Count < MaxSites)
                        {
                            _siteOf[invocation] = _sites.Count;
                            _sites.Add(invocation);
                        }
                    }
                }
            }
        }

        public bool HasSites => _sites.Count > 0;

        public void Report(Action<Diagnostic> report)
        {
            for (var i = 0; i < _sites.Count; i++)
            {
                if (_unsynced.Contains(i))
                {
                    var method = _sites[i].TargetMethod;
                    report(Diagnostic.Create(
                        DiagnosticDescriptors.RenameWithoutDirectorySync,
                        _sites[i].Syntax.GetLocation(),
                        $"{method.ContainingType.Name}.{method.Name}"));
                }
            }
        }

        public FlowState EnterHandler(ControlFlowRegion handler, FlowState state) => state;

        public FlowState Transfer(BasicBlock block, FlowState state, FlowEdge? via, bool report, ref FlowState seen)
        {
            var pending = state.First;
            foreach (var root in FlowGraphs.Roots(block))
            {
                foreach (var operation in FlowGraphs.PostOrder(root))
                {
                    if (operation is IFlowAnonymousFunctionOperation lambda && SyncsDirectory(lambda))
                    {
                        // A lambda handed to a retry or step helper runs the sync on this path as far as the
                        // caller can tell; requiring the call to be inline would push people to drop the helper.
                        pending = 0;
                        continue;
                    }

                    if (operation is not IInvocationOperation invocation)
                    {
                        continue;
                    }

                    if (IsDirectorySync(invocation.TargetMethod))
                    {
                        pending = 0;
                    }
                    else if (_siteOf.TryGetValue(invocation, out var site))
                    {
                        pending |= 1UL << site;
                        seen = seen.Union(new FlowState(pending, 0));
                    }
                }
            }

            return new FlowState(pending, 0);
        }

        private static bool SyncsDirectory(IFlowAnonymousFunctionOperation lambda)
        {
            foreach (var reference in lambda.Symbol.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax().DescendantNodes())
                {
                    var name = node switch
                    {
                        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } => member.Name.Identifier.ValueText,
                        InvocationExpressionSyntax { Expression: SimpleNameSyntax simple } => simple.Identifier.ValueText,
                        _ => null,
                    };
                    if (name is not null && (name.StartsWith("SyncDirectory", StringComparison.Ordinal) || name.StartsWith("FsyncDirectory", StringComparison.Ordinal)))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        public FlowState Leave(FlowEdge edge, FlowState state, bool report)
        {
            if (edge.IsThrow)
            {
                return default;
            }

            if (!edge.LeavesGraph)
            {
                return state;
            }

            if (report)
            {
                for (var i = 0; i < _sites.Count; i++)
                {
                    if ((state.First & (1UL << i)) != 0)
                    {
                        _unsynced.Add(i);
                    }
                }
            }

            return default;
        }
    }
}
