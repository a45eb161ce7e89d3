using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

public sealed partial class UncommittedWriterAnalyzer
{
    /// <summary>The flow rules of one graph. First = writers that may be live (created, not committed); Second = writers explicitly disposed uncommitted.</summary>
    private sealed partial class WriterRules : IFlowRules
    {
        private const int MaxSites = 64;

        private readonly ControlFlowGraph _graph;
        private readonly MustCommitTypes _types;
        private readonly List<Site> _sites = new();
        private readonly Dictionary<IOperation, int> _siteOf = new();
        private readonly Dictionary<ILocalSymbol, ulong> _masks = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ILocalSymbol, ControlFlowRegion> _regions = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<CaptureId, ILocalSymbol> _aliases = new();
        private readonly HashSet<CaptureId> _creationCaptures = new();
        private readonly Dictionary<int, IOperation> _disposedAt = new();
        private readonly Dictionary<int, Drop> _drops = new();

        public WriterRules(ControlFlowGraph graph, MustCommitTypes types, HashSet<ILocalSymbol> captured)
        {
            _graph = graph;
            _types = types;
            foreach (var block in graph.Blocks)
            {
                foreach (var root in FlowGraphs.Roots(block))
                {
                    foreach (var operation in root.DescendantsAndSelf())
                    {
                        if (operation is IFlowCaptureOperation capture)
                        {
                            var value = SkipConversions(capture.Value);
                            if (IsCreation(value))
                            {
                                _creationCaptures.Add(capture.Id);
                            }
                            else if ((LocalOf(value) ?? ConfiguredLocal(value)) is { } local)
                            {
                                _aliases[capture.Id] = local;
                            }
                        }
                    }
                }
            }

            foreach (var block in graph.Blocks)
            {
                foreach (var root in FlowGraphs.Roots(block))
                {
                    foreach (var operation in root.DescendantsAndSelf())
                    {
                        if (operation is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment
                            && IsCreation(SkipConversions(assignment.Value))
                            && !captured.Contains(target.Local)
                            && _sites.Count < MaxSites)
                        {
                            _siteOf[assignment] = _sites.Count;
                            _masks[target.Local] = (_masks.TryGetValue(target.Local, out var mask) ? mask : 0) | (1UL << _sites.Count);
                            _sites.Add(new Site(target.Local, assignment.Value.Syntax));
                        }
                    }
                }
            }

            FindRegions(graph.Root);
        }

        public bool HasSites => _sites.Count > 0;

        public void Report(Action<Diagnostic> report)
        {
            for (var i = 0; i < _sites.Count; i++)
            {
                if (!_drops.TryGetValue(i, out var drop))
                {
                    continue;
                }

                var site = _sites[i];
                var commit = _types.CommitMethod(site.Local.Type);
                var properties = ImmutableDictionary.CreateBuilder<string, string?>();
                properties[WriterProperty] = site.Local.Name;
                properties[CommitMethodProperty] = commit;
                if (drop.Fix is not null)
                {
                    properties[FixProperty] = drop.Fix;
                    properties[PositionProperty] = drop.Position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                report(Diagnostic.Create(
                    DiagnosticDescriptors.UncommittedWriter,
                    site.Creation.GetLocation(),
                    properties.ToImmutable(),
                    site.Local.Name,
                    Display(site.Local.Type),
                    drop.Text,
                    commit));
            }
        }

        public FlowState Transfer(BasicBlock block, FlowState state, FlowEdge? via, bool report, ref FlowState seen)
        {
            foreach (var root in FlowGraphs.Roots(block))
            {
                foreach (var operation in FlowGraphs.PostOrder(root))
                {
                    state = Apply(operation, block, state, via, report);
                    seen = seen.Union(state);
                }
            }

            return state;
        }

        /// <summary>
        /// A writer declared inside the try is out of scope in its catch: losing it there is the exception-from-a-call
        /// path this analysis leaves alone. One declared outside stays followed, so a catch that swallows the error and
        /// goes on is judged like any other path.
        /// </summary>
        public FlowState EnterHandler(ControlFlowRegion handler, FlowState state)
        {
            ulong outOfScope = 0;
            foreach (var pair in _masks)
            {
                if (!_regions.TryGetValue(pair.Key, out var region) || !Contains(region, handler))
                {
                    outOfScope |= pair.Value;
                }
            }

            return new FlowState(state.First & ~outOfScope, state.Second & ~outOfScope);
        }

        private static bool Contains(ControlFlowRegion outer, ControlFlowRegion inner)
        {
            for (var region = inner; region is not null; region = region.EnclosingRegion)
            {
                if (ReferenceEquals(region, outer))
                {
                    return true;
                }
            }

            return false;
        }

        public FlowState Leave(FlowEdge edge, FlowState state, bool report)
        {
            if (NullOn(edge) is { } isNull && _masks.TryGetValue(isNull, out var nullMask))
            {
                // On the branch where the local was tested to be null there is no writer to lose.
                state = new FlowState(state.First & ~nullMask, state.Second & ~nullMask);
            }

            if (edge.IsThrow)
            {
                if (report)
                {
                    foreach (var local in LocalsOf(state.First))
                    {
                        Record(state.First & _masks[local], DropOnEdge(edge, local, null));
                    }
                }

                return default;
            }

            ulong leaving = 0;
            foreach (var pair in _masks)
            {
                if (edge.LeavesGraph || (_regions.TryGetValue(pair.Key, out var region) && edge.Branch.LeavingRegions.Contains(region)))
                {
                    leaving |= pair.Value;
                }
            }

            if (report)
            {
                foreach (var local in LocalsOf(state.First & leaving))
                {
                    Record(state.First & leaving & _masks[local], DropOnEdge(edge, local, null));
                }

                for (var i = 0; i < _sites.Count; i++)
                {
                    if ((state.Second & leaving & (1UL << i)) != 0 && _disposedAt.TryGetValue(i, out var dispose))
                    {
                        Record(1UL << i, new Drop($"is disposed at line {FlowGraphs.LineOf(dispose.Syntax)}", FixBefore, StatementStart(dispose.Syntax)));
                    }
                }
            }

            return new FlowState(state.First & ~leaving, state.Second & ~leaving);
        }

        /// <summary>The local that is null whenever <paramref name="edge"/> is taken, from its block's null test.</summary>
        private ILocalSymbol? NullOn(FlowEdge edge)
        {
            var source = edge.Source;
            if (source.BranchValue is not { } condition || source.ConditionalSuccessor is null)
            {
                return null;
            }

            var (tested, whenNull) = NullTest(condition);
            if (tested is null)
            {
                return null;
            }

            // The conditional successor is taken when the condition equals ConditionKind == WhenTrue.
            var takenWhen = ReferenceEquals(edge.Branch, source.ConditionalSuccessor)
                ? source.ConditionKind == ControlFlowConditionKind.WhenTrue
                : source.ConditionKind != ControlFlowConditionKind.WhenTrue;
            return takenWhen == whenNull ? tested : null;
        }

        /// <summary>The local a condition tests against null, and the value of the condition when it is null.</summary>
        private (ILocalSymbol? Local, bool WhenNull) NullTest(IOperation condition)
        {
            switch (condition)
            {
                case IIsNullOperation isNull:
                    return (LocalOf(SkipConversions(isNull.Operand)), true);
                case IIsPatternOperation { Pattern: IConstantPatternOperation constant } pattern when IsNullLiteral(constant.Value):
                    return (LocalOf(SkipConversions(pattern.Value)), true);
                case IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation constant } } pattern when IsNullLiteral(constant.Value):
                    return (LocalOf(SkipConversions(pattern.Value)), false);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                    var local = IsNullLiteral(binary.RightOperand) ? LocalOf(SkipConversions(binary.LeftOperand))
                        : IsNullLiteral(binary.LeftOperand) ? LocalOf(SkipConversions(binary.RightOperand))
                        : null;
                    return (local, binary.OperatorKind == BinaryOperatorKind.Equals);
                default:
                    return (null, false);
            }
        }

        private static bool IsNullLiteral(IOperation operation) =>
            SkipConversions(operation) is { ConstantValue: { HasValue: true, Value: null } };

        private FlowState Apply(IOperation operation, BasicBlock block, FlowState state, FlowEdge? via, bool report)
        {
            if (operation is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment && _masks.TryGetValue(target.Local, out var assigned))
            {
                var overwritten = state.First & assigned;
                if (report && overwritten != 0)
                {
                    Record(overwritten, new Drop($"is overwritten at line {FlowGraphs.LineOf(assignment.Syntax)}", FixBefore, StatementStart(assignment.Syntax)));
                }

                var created = _siteOf.TryGetValue(assignment, out var site) ? 1UL << site : 0;
                return new FlowState((state.First & ~assigned) | created, state.Second & ~assigned);
            }

            var local = LocalOf(operation);
            if (local is null || !_masks.TryGetValue(local, out var mask))
            {
                return state;
            }

            switch (Classify(operation, block, local.Type, out var disposal))
            {
                case Effect.Commit:
                case Effect.Escape:
                    return new FlowState(state.First & ~mask, state.Second & ~mask);
                case Effect.ExplicitDispose:
                    var live = state.First & mask;
                    for (var i = 0; i < _sites.Count; i++)
                    {
                        if ((live & (1UL << i)) != 0 && !_disposedAt.ContainsKey(i))
                        {
                            _disposedAt[i] = disposal!;
                        }
                    }

                    return new FlowState(state.First & ~mask, state.Second | live);
                case Effect.ImplicitDispose when via is not null:
                    if (report)
                    {
                        Record(state.First & mask, DropOnEdge(via, local, disposal!.Syntax));
                    }

                    return new FlowState(state.First & ~mask, state.Second);
                default:
                    return state;
            }
        }

        private void Record(ulong bits, Drop drop)
        {
            for (var i = 0; i < _sites.Count; i++)
            {
                if ((bits & (1UL << i)) != 0 && !_drops.ContainsKey(i))
                {
                    _drops[i] = drop;
                }
            }
        }

        private IEnumerable<ILocalSymbol> LocalsOf(ulong bits)
        {
            foreach (var pair in _masks)
            {
                if ((pair.Value & bits) != 0)
                {
                    yield return pair.Key;
                }
            }
        }

        private bool IsCreation(IOperation value) => value switch
        {
            IAwaitOperation or IInvocationOperation or IObjectCreationOperation => _types.Matches(value.Type),
            IFlowCaptureReferenceOperation capture => _creationCaptures.Contains(capture.Id),
            _ => false,
        };

        private ILocalSymbol? LocalOf(IOperation operation) => operation switch
        {
            ILocalReferenceOperation local => local.Local,
            IFlowCaptureReferenceOperation capture when _aliases.TryGetValue(capture.Id, out var aliased) => aliased,
            _ => null,
        };

        /// <summary>The local behind <c>local.ConfigureAwait(false)</c>, the disposal helper an <c>await using</c> takes.</summary>
        private ILocalSymbol? ConfiguredLocal(IOperation value) =>
            value is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure
                ? LocalOf(SkipConversions(configure.Instance ?? (configure.Arguments.Length > 0 ? configure.Arguments[0].Value : configure)))
                : null;

        private void FindRegions(ControlFlowRegion region)
        {
            foreach (var local in region.Locals)
            {
                if (_masks.ContainsKey(local))
                {
                    _regions[local] = region;
                }
            }

            foreach (var nested in region.NestedRegions)
            {
                FindRegions(nested);
            }
        }
    }
}

