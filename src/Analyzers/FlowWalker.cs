using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Bulwark.Analyzers;

/// <summary>
/// The facts a flow rule tracks at one program point: two sets of up to 64 sites each (a site is the operation that
/// created the thing the rule follows). The analysis is a "may" analysis, so states meet by union.
/// </summary>
internal readonly struct FlowState : IEquatable<FlowState>
{
    public FlowState(ulong first, ulong second)
    {
        First = first;
        Second = second;
    }

    public ulong First { get; }

    public ulong Second { get; }

    public bool IsEmpty => (First | Second) == 0;

    public FlowState Union(FlowState other) => new(First | other.First, Second | other.Second);

    public bool Equals(FlowState other) => First == other.First && Second == other.Second;

    public override bool Equals(object? obj) => obj is FlowState other && Equals(other);

    public override int GetHashCode() => First.GetHashCode() ^ (Second.GetHashCode() * 31);
}

/// <summary>
/// One branch taken out of a block. <see cref="Via"/> is the outer branch whose finally regions are running when this
/// branch is inside a finally, so that what a finally does (a using's dispose) is charged to the path that ran it.
/// </summary>
internal sealed class FlowEdge
{
    public FlowEdge(BasicBlock source, ControlFlowBranch branch, FlowEdge? via)
    {
        Source = source;
        Branch = branch;
        Via = via;
    }

    public BasicBlock Source { get; }

    public ControlFlowBranch Branch { get; }

    public FlowEdge? Via { get; }

    /// <summary>The outermost branch: the one a programmer wrote (return, throw, the end of a block).</summary>
    public FlowEdge Origin => Via?.Origin ?? this;

    public bool IsThrow => Branch.Semantics == ControlFlowBranchSemantics.Throw;

    public bool LeavesGraph => IsThrow || Branch.Destination is { Kind: BasicBlockKind.Exit };
}

/// <summary>What a flow rule does with blocks and with branches that leave scopes; <paramref name="report"/> is false while the fixpoint is still being computed.</summary>
internal interface IFlowRules
{
    /// <summary>Applies the block; <paramref name="seen"/> gathers every state between its operations (a catch can start at any of them).</summary>
    FlowState Transfer(BasicBlock block, FlowState state, FlowEdge? via, bool report, ref FlowState seen);

    /// <summary>The state a catch handler starts with, given everything its try may have been in.</summary>
    FlowState EnterHandler(ControlFlowRegion handler, FlowState state);

    /// <summary>Called on every branch after its finally regions ran; returns the state that flows on to the destination.</summary>
    FlowState Leave(FlowEdge edge, FlowState state, bool report);
}

/// <summary>
/// A forward dataflow over one <see cref="ControlFlowGraph"/>. Roslyn's graph has no edges into finally and catch
/// regions, so this walker adds them: a branch that lists finally regions runs them (each as a small fixpoint of its
/// own, starting from the branch's state), an explicit throw runs the finally regions around it up to the first try
/// with a catch, and a catch handler starts from the union of every state inside its try (any call there can throw).
/// Exceptions raised by calls are not otherwise modelled: the rules only judge explicit paths.
/// </summary>
internal sealed class FlowWalker
{
    private readonly ControlFlowGraph _graph;
    private readonly IFlowRules _rules;
    private readonly Dictionary<int, ControlFlowRegion[]> _handlers = new();

    public FlowWalker(ControlFlowGraph graph, IFlowRules rules)
    {
        _graph = graph;
        _rules = rules;
    }

    /// <summary>Solves the graph from its entry, then replays every reachable block once with reporting on.</summary>
    public void Run()
    {
        var states = Solve(0, default, null, out _);
        Replay(states, null);
    }

    private FlowState?[] Solve(int start, FlowState initial, FlowEdge? via, out FlowState regionExit)
    {
        var blocks = _graph.Blocks;
        var states = new FlowState?[blocks.Length];
        var queued = new bool[blocks.Length];
        var work = new SortedSet<int>();
        states[start] = initial;
        work.Add(start);
        queued[start] = true;
        var exit = default(FlowState);
        while (work.Count > 0)
        {
            var ordinal = work.Min;
            work.Remove(ordinal);
            queued[ordinal] = false;
            Step(blocks[ordinal], states[ordinal]!.Value, via, report: false, (target, state) =>
            {
                var merged = states[target] is { } old ? old.Union(state) : state;
                if (states[target] is { } previous && previous.Equals(merged))
                {
                    return;
                }

                states[target] = merged;
                if (!queued[target])
                {
                    queued[target] = true;
                    work.Add(target);
                }
            }, ref exit);
        }

        regionExit = exit;
        return states;
    }

    private void Replay(FlowState?[] states, FlowEdge? via)
    {
        var ignored = default(FlowState);
        foreach (var block in _graph.Blocks)
        {
            if (states[block.Ordinal] is { } state)
            {
                Step(block, state, via, report: true, static (_, _) => { }, ref ignored);
            }
        }
    }

    private void Step(BasicBlock block, FlowState entry, FlowEdge? via, bool report, Action<int, FlowState> propagate, ref FlowState regionExit)
    {
        var seen = entry;
        var state = _rules.Transfer(block, entry, via, report, ref seen);
        foreach (var handler in HandlersOf(block))
        {
            propagate(handler.FirstBlockOrdinal, _rules.EnterHandler(handler, seen));
        }

        if (block.ConditionalSuccessor is { } conditional)
        {
            Follow(new FlowEdge(block, conditional, via), state, report, propagate, ref regionExit);
        }

        if (block.FallThroughSuccessor is { } fallThrough)
        {
            Follow(new FlowEdge(block, fallThrough, via), state, report, propagate, ref regionExit);
        }
    }

    private void Follow(FlowEdge edge, FlowState state, bool report, Action<int, FlowState> propagate, ref FlowState regionExit)
    {
        switch (edge.Branch.Semantics)
        {
            case ControlFlowBranchSemantics.Throw:
                if (RunFinallyAroundThrow(edge, ref state, report))
                {
                    _rules.Leave(edge, state, report);
                }

                return;
            case ControlFlowBranchSemantics.StructuredExceptionHandling:
                regionExit = regionExit.Union(state);
                return;
            case ControlFlowBranchSemantics.Rethrow:
            case ControlFlowBranchSemantics.Error:
            case ControlFlowBranchSemantics.ProgramTermination:
            case ControlFlowBranchSemantics.None:
                // A rethrow propagates an exception some call raised; like any call's exception it is not modelled.
                return;
        }

        foreach (var region in edge.Branch.FinallyRegions)
        {
            state = RunFinally(region, state, edge, report);
        }

        state = _rules.Leave(edge, state, report);
        if (edge.Branch.Destination is { Kind: not BasicBlockKind.Exit } destination)
        {
            propagate(destination.Ordinal, state);
        }
    }

    /// <summary>Runs the finally regions an explicit throw passes through; false if a catch may take the exception over.</summary>
    private bool RunFinallyAroundThrow(FlowEdge edge, ref FlowState state, bool report)
    {
        for (var region = edge.Source.EnclosingRegion; region.EnclosingRegion is { } parent; region = parent)
        {
            if (region.Kind != ControlFlowRegionKind.Try)
            {
                continue;
            }

            if (parent.Kind == ControlFlowRegionKind.TryAndCatch)
            {
                // The catch's entry state already includes this block's (see HandlersOf); the path goes on there.
                return false;
            }

            if (parent.Kind == ControlFlowRegionKind.TryAndFinally)
            {
                state = RunFinally(parent.NestedRegions[1], state, edge, report);
            }
        }

        return true;
    }

    private FlowState RunFinally(ControlFlowRegion region, FlowState state, FlowEdge edge, bool report)
    {
        var states = Solve(region.FirstBlockOrdinal, state, edge, out var exit);
        if (report)
        {
            Replay(states, edge);
        }

        return exit;
    }

    private ControlFlowRegion[] HandlersOf(BasicBlock block)
    {
        if (_handlers.TryGetValue(block.Ordinal, out var cached))
        {
            return cached;
        }

        var handlers = new List<ControlFlowRegion>();
        for (var region = block.EnclosingRegion; region.EnclosingRegion is { } parent; region = parent)
        {
            if (region.Kind == ControlFlowRegionKind.Try && parent.Kind == ControlFlowRegionKind.TryAndCatch)
            {
                foreach (var sibling in parent.NestedRegions)
                {
                    if (!ReferenceEquals(sibling, region))
                    {
                        handlers.Add(sibling);
                    }
                }
            }
        }

        var result = handlers.ToArray();
        _handlers[block.Ordinal] = result;
        return result;
    }
}
