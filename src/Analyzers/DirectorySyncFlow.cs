using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>A rename or copy that some normal path leaves unsynced: its directory, its file's data, or both.</summary>
internal readonly record struct UnsyncedSite(IInvocationOperation Site, bool Directory, bool File);

/// <summary>What one body (a method, a lambda) leaves unsynced, and whether it syncs anything on some path.</summary>
internal sealed class SyncSummary
{
    public List<UnsyncedSite> Escapes { get; } = new();

    public bool SyncsDirectory { get; set; }

    public bool SyncsFile { get; set; }
}

/// <summary>
/// The BWK1003 dataflow over one body and the lambdas inside it. Each lambda is solved first; what it leaves unsynced
/// becomes pending in the enclosing body at the call that runs it in place (<see cref="InPlaceLambdas"/>), so a
/// retry helper around the rename is judged by the sync after the helper. Anything else a lambda leaves unsynced,
/// and whatever the outermost body or a local function leaves, is reported. State: First = sites still waiting for a
/// directory sync, Second = copies still waiting for an fsync of the file.
/// </summary>
internal sealed class DirectorySyncFlow
{
    private const int MaxSites = 64;

    private readonly DirectorySyncMethods _methods;
    private readonly SyntaxTree _tree;
    private readonly Action<UnsyncedSite> _report;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<IMethodSymbol, bool> _directorySyncs = new(SymbolEqualityComparer.Default);

    public DirectorySyncFlow(DirectorySyncMethods methods, SyntaxTree tree, Action<UnsyncedSite> report, CancellationToken cancellationToken)
    {
        _methods = methods;
        _tree = tree;
        _report = report;
        _cancellationToken = cancellationToken;
    }

    public static bool IsSite(IInvocationOperation invocation) =>
        RenameWithoutDirectorySyncAnalyzer.IsRename(invocation.TargetMethod) || DurableCopies.IsOverwritingCopy(invocation);

    /// <summary>Solves <paramref name="graph"/> (a method body or a local function) and reports what it leaves unsynced.</summary>
    public void AnalyzeAndReport(ControlFlowGraph graph)
    {
        foreach (var escape in Analyze(graph).Escapes)
        {
            _report(escape);
        }
    }

    private SyncSummary Analyze(ControlFlowGraph graph)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var summary = new SyncSummary();
        var rules = new Rules(this);
        foreach (var localFunction in graph.LocalFunctions)
        {
            AnalyzeAndReport(graph.GetLocalFunctionControlFlowGraph(localFunction, _cancellationToken));
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var root in FlowGraphs.Roots(block))
            {
                foreach (var operation in root.DescendantsAndSelf())
                {
                    if (operation is IFlowAnonymousFunctionOperation lambda)
                    {
                        var inner = Analyze(graph.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken));
                        rules.Lambdas[lambda] = inner;
                        summary.SyncsDirectory |= inner.SyncsDirectory;
                        summary.SyncsFile |= inner.SyncsFile;
                        if (inner.Escapes.Count > 0)
                        {
                            var carrier = InPlaceLambdas.FindCarrier(graph, lambda);
                            foreach (var escape in inner.Escapes)
                            {
                                if (carrier is null || !rules.Add(carrier, escape))
                                {
                                    _report(escape);
                                }
                            }
                        }
                    }
                    else if (operation is IInvocationOperation invocation)
                    {
                        summary.SyncsDirectory |= IsDirectorySync(invocation);
                        summary.SyncsFile |= DurableCopies.IsFileSync(invocation, _methods);
                        if (IsSite(invocation))
                        {
                            rules.Add(invocation, new UnsyncedSite(invocation, Directory: true, File: DurableCopies.IsOverwritingCopy(invocation)));
                        }
                    }
                }
            }
        }

        if (rules.HasSites)
        {
            new FlowWalker(graph, rules).Run();
            rules.CollectEscapes(summary.Escapes);
        }

        return summary;
    }

    // The fixpoint visits each call many times; the option lookup behind the answer is worth doing once per method.
    private bool IsDirectorySync(IInvocationOperation invocation)
    {
        if (!_directorySyncs.TryGetValue(invocation.TargetMethod, out var syncs))
        {
            syncs = _methods.IsDirectorySync(invocation.TargetMethod, _tree);
            _directorySyncs[invocation.TargetMethod] = syncs;
        }

        return syncs;
    }

    private sealed class Rules : IFlowRules
    {
        private readonly DirectorySyncFlow _flow;
        private readonly List<UnsyncedSite> _sites = new();
        private readonly Dictionary<IOperation, FlowState> _triggers = new();
        private ulong _unsyncedDirectory;
        private ulong _unsyncedFile;

        public Rules(DirectorySyncFlow flow) => _flow = flow;

        public Dictionary<IFlowAnonymousFunctionOperation, SyncSummary> Lambdas { get; } = new();

        public bool HasSites => _sites.Count > 0;

        /// <summary>Makes <paramref name="site"/>'s obligations pending where <paramref name="trigger"/> runs; false past the site limit.</summary>
        public bool Add(IOperation trigger, UnsyncedSite site)
        {
            if (_sites.Count >= MaxSites)
            {
                return false;
            }

            var bit = 1UL << _sites.Count;
            _sites.Add(site);
            var state = new FlowState(site.Directory ? bit : 0, site.File ? bit : 0);
            _triggers[trigger] = _triggers.TryGetValue(trigger, out var old) ? old.Union(state) : state;
            return true;
        }

        public void CollectEscapes(List<UnsyncedSite> escapes)
        {
            for (var i = 0; i < _sites.Count; i++)
            {
                var bit = 1UL << i;
                var directory = (_unsyncedDirectory & bit) != 0;
                var file = (_unsyncedFile & bit) != 0;
                if (directory || file)
                {
                    escapes.Add(_sites[i] with { Directory = directory, File = file });
                }
            }
        }

        public FlowState EnterHandler(ControlFlowRegion handler, FlowState state) => state;

        public FlowState Transfer(BasicBlock block, FlowState state, FlowEdge? via, bool report, ref FlowState seen)
        {
            var directory = state.First;
            var file = state.Second;
            foreach (var root in FlowGraphs.Roots(block))
            {
                foreach (var operation in FlowGraphs.PostOrder(root))
                {
                    if (operation is IFlowAnonymousFunctionOperation lambda)
                    {
                        // A lambda that syncs, handed to a retry or step helper, runs the sync on this path as far as
                        // the caller can tell; requiring the call to be inline would push people to drop the helper.
                        if (Lambdas.TryGetValue(lambda, out var inner))
                        {
                            directory = inner.SyncsDirectory ? 0 : directory;
                            file = inner.SyncsFile ? 0 : file;
                        }

                        continue;
                    }

                    if (operation is not IInvocationOperation invocation)
                    {
                        continue;
                    }

                    if (_flow.IsDirectorySync(invocation))
                    {
                        directory = 0;
                    }

                    if (DurableCopies.IsFileSync(invocation, _flow._methods))
                    {
                        file = 0;
                    }

                    if (_triggers.TryGetValue(invocation, out var added))
                    {
                        directory |= added.First;
                        file |= added.Second;
                        seen = seen.Union(new FlowState(directory, file));
                    }
                }
            }

            return new FlowState(directory, file);
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
                _unsyncedDirectory |= state.First;
                _unsyncedFile |= state.Second;
            }

            return default;
        }
    }
}
