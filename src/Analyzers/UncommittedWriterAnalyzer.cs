using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1002: a <c>PendingFile</c> (any <c>[MustCommit]</c> type) that some path drops without a commit: a
/// <c>Commit*</c> call, or a call to one of the methods the type's <c>[MustCommit("CompleteAsync")]</c> names.
/// A creation whose value is thrown away is reported directly; a creation stored in a local is followed through the
/// method's control flow graph, and reported at the creation with the first path that loses it: an explicit
/// <c>return</c>, <c>break</c>, <c>continue</c> or <c>throw</c>, running off the end of its scope (with or without a
/// <c>using</c> disposing it), being overwritten, or an explicit <c>DisposeAsync</c> after which the method goes on
/// normally. The value stops being followed once it is committed or escapes: returned (ownership goes to the caller),
/// stored in a field, property, array or another variable, passed to a method (unless as an <c>in</c> argument or to
/// a disposal helper), assigned to an out/ref parameter, or captured by a lambda or local function.
/// </summary>
/// <remarks>
/// Exceptions raised by calls are not paths of their own: every awaited write can throw, and an exception tells the
/// caller the write failed, so reporting those would flag every correct writer. An explicit DisposeAsync followed by a
/// throw is a deliberate abort the caller sees as an error, so it is not reported either.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UncommittedWriterAnalyzer : DiagnosticAnalyzer
{
    /// <summary>For the code fix, which lives in another assembly and cannot see the descriptor table.</summary>
    public const string DiagnosticId = DiagnosticDescriptors.UncommittedWriterId;

    /// <summary>Where the code fix inserts the commit: "Before" the statement at <see cref="PositionProperty"/>, or at the "End" of the block whose closing brace is there.</summary>
    public const string FixProperty = "Fix";

    public const string PositionProperty = "Position";

    /// <summary>The local to commit.</summary>
    public const string WriterProperty = "Writer";

    /// <summary>The method that commits the writer's type: the first one its <c>[MustCommit]</c> names, else CommitAsync.</summary>
    public const string CommitMethodProperty = "CommitMethod";

    public const string FixBefore = "Before";

    public const string FixEnd = "End";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [DiagnosticDescriptors.UncommittedWriter];

    public override void Initialize(AnalysisContext context)
    {
        // Direct calls rather than ConfigureBulwarkDefaults: RS1025/RS1026 only recognise them in Initialize itself.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var types = new MustCommitTypes();
            start.RegisterOperationBlockStartAction(block =>
            {
                // The graph is built only for blocks that create a writer; most methods never do.
                var creates = new CreationSeen();
                block.RegisterOperationAction(operation => OnCreation(operation, types, creates), OperationKind.Invocation, OperationKind.ObjectCreation);
                block.RegisterOperationBlockEndAction(end =>
                {
                    if (creates.Value)
                    {
                        AnalyzeFlow(end, types);
                    }
                });
            });
        });
    }

    private static void OnCreation(OperationAnalysisContext context, MustCommitTypes types, CreationSeen creates)
    {
        var operation = context.Operation;
        var type = operation.Type.UnwrapTask();
        if (!types.Matches(type))
        {
            return;
        }

        creates.Value = true;
        var current = operation;
        while (current.Parent is { } parent
               && (parent is IConversionOperation or IAwaitOperation
                   || (parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Instance == current && !types.Matches(current.Type))))
        {
            current = parent;
        }

        var lost = current.Parent switch
        {
            IExpressionStatementOperation => "is discarded",
            ISimpleAssignmentOperation { Target: IDiscardOperation } assignment when assignment.Value == current => "is discarded",
            IUsingOperation => "is disposed by a using statement that gives it no name",
            IInvocationOperation invocation when invocation.Instance == current && types.Matches(current.Type) && !types.IsCommit(current.Type, invocation.TargetMethod.Name) => $"is dropped after one call to '{invocation.TargetMethod.Name}'",
            IPropertyReferenceOperation property when property.Instance == current && types.Matches(current.Type) => $"is dropped after reading '{property.Property.Name}'",
            _ => null,
        };
        if (lost is not null)
        {
            var commit = types.CommitMethod(type);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.UncommittedWriter,
                current.Syntax.GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(CommitMethodProperty, commit),
                operation.Syntax.ToString(),
                Display(type!),
                lost,
                commit));
        }
    }

    private static void AnalyzeFlow(OperationBlockAnalysisContext context, MustCommitTypes types)
    {
        var captured = CapturedLocals(context.OperationBlocks);
        foreach (var graph in FlowGraphs.GetAll(context))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var rules = new WriterRules(graph, types, captured);
            if (rules.HasSites)
            {
                new FlowWalker(graph, rules).Run();
                rules.Report(context.ReportDiagnostic);
            }
        }
    }

    /// <summary>Locals a lambda or local function uses although another body declares them: the closure owns them now.</summary>
    private static HashSet<ILocalSymbol> CapturedLocals(ImmutableArray<IOperation> blocks)
    {
        var captured = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var block in blocks)
        {
            foreach (var operation in block.DescendantsAndSelf())
            {
                if (operation is not ILocalReferenceOperation reference)
                {
                    continue;
                }

                for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
                {
                    var function = parent switch
                    {
                        IAnonymousFunctionOperation anonymous => anonymous.Symbol,
                        ILocalFunctionOperation local => local.Symbol,
                        _ => null,
                    };
                    if (function is not null)
                    {
                        if (!SymbolEqualityComparer.Default.Equals(function, reference.Local.ContainingSymbol))
                        {
                            captured.Add(reference.Local);
                        }

                        break;
                    }
                }
            }
        }

        return captured;
    }

    private static string Display(ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static IOperation SkipConversions(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private sealed class CreationSeen
    {
        private volatile bool _value;

        public bool Value
        {
            get => _value;
            set => _value = value;
        }
    }

    private enum Effect
    {
        None,
        Commit,
        Escape,
        ExplicitDispose,
        ImplicitDispose,
    }

    private sealed record Drop(string Text, string? Fix, int Position);

    private sealed record Site(ILocalSymbol Local, SyntaxNode Creation);

    /// <summary>The flow rules of one graph. First = writers that may be live (created, not committed); Second = writers explicitly disposed uncommitted.</summary>
    private sealed class WriterRules : IFlowRules
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

        /// <summary>What the use of a writer at <paramref name="reference"/> does to it.</summary>
        private Effect Classify(IOperation reference, BasicBlock block, ITypeSymbol writerType, out IOperation? disposal)
        {
            disposal = null;
            var current = reference;
            while (true)
            {
                var parent = current.Parent;
                switch (parent)
                {
                    case null:
                        // A branch value: returned to the caller transfers ownership; a tested condition does nothing.
                        return ReferenceEquals(current, block.BranchValue) && block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return
                            ? Effect.Escape
                            : Effect.None;
                    case IConversionOperation:
                        current = parent;
                        continue;
                    case IFlowCaptureOperation:
                        // The capture is an alias; its own uses are classified when they come.
                        return Effect.None;
                    case ISimpleAssignmentOperation assignment:
                        return assignment.Target == current ? Effect.None : Effect.Escape;
                    case IInvocationOperation invocation when invocation.Instance == current:
                        return ClassifyCall(invocation, writerType, ref disposal);
                    case IArgumentOperation argument:
                        if (argument.Parent is IInvocationOperation { TargetMethod.IsExtensionMethod: true } extension && argument.Parameter?.Ordinal == 0)
                        {
                            return extension.TargetMethod.Name == "ConfigureAwait" ? Effect.None : ClassifyCall(extension, writerType, ref disposal);
                        }

                        if (argument.Parameter?.RefKind is RefKind.In or RefKind.RefReadOnlyParameter)
                        {
                            return Effect.None;
                        }

                        if (argument.Parent is IInvocationOperation helper && helper.TargetMethod.Name.Contains("Dispose"))
                        {
                            disposal = helper;
                            return Effect.ExplicitDispose;
                        }

                        return Effect.Escape;
                    case IMemberReferenceOperation member when member.Instance == current:
                    case IIsNullOperation:
                    case IBinaryOperation:
                    case IIsTypeOperation:
                    case IIsPatternOperation:
                        return Effect.None;
                    default:
                        return Effect.Escape;
                }
            }
        }

        private Effect ClassifyCall(IInvocationOperation invocation, ITypeSymbol writerType, ref IOperation? disposal)
        {
            var name = invocation.TargetMethod.Name;
            if (_types.IsCommit(writerType, name))
            {
                return Effect.Commit;
            }

            if (name is "DisposeAsync" or "Dispose")
            {
                disposal = invocation;
                return invocation.IsImplicit ? Effect.ImplicitDispose : Effect.ExplicitDispose;
            }

            return Effect.None;
        }

        private Drop DropOnEdge(FlowEdge edge, ILocalSymbol local, SyntaxNode? usingSyntax)
        {
            var origin = edge.Origin;
            var branch = origin.Branch;
            var value = origin.Source.BranchValue?.Syntax;
            if (branch.Semantics == ControlFlowBranchSemantics.Throw)
            {
                var thrown = value?.FirstAncestorOrSelf<SyntaxNode>(n => n is ThrowStatementSyntax or ThrowExpressionSyntax);
                return new Drop(thrown is null ? "throws" : $"throws at line {FlowGraphs.LineOf(thrown)}", null, 0);
            }

            if (branch.Semantics == ControlFlowBranchSemantics.Return && value is not null)
            {
                return value.Parent is ReturnStatementSyntax statement
                    ? Returns(statement)
                    : new Drop($"returns at line {FlowGraphs.LineOf(value)}", null, 0);
            }

            var usingStatement = usingSyntax?.FirstAncestorOrSelf<SyntaxNode>(n => n is UsingStatementSyntax or LocalDeclarationStatementSyntax) as UsingStatementSyntax;
            var scope = usingStatement?.Statement ?? Scope(local);
            if (scope is null)
            {
                return new Drop("goes out of scope", null, 0);
            }

            switch (FlowGraphs.FindJump(_graph, origin.Source, branch, scope))
            {
                case ReturnStatementSyntax statement:
                    return Returns(statement);
                case BreakStatementSyntax jump:
                    var switches = jump.FirstAncestorOrSelf<SyntaxNode>(n => n is SwitchStatementSyntax or CommonForEachStatementSyntax or ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax) is SwitchStatementSyntax;
                    return new Drop($"{(switches ? "leaves its switch" : "leaves its loop")} at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
                case YieldStatementSyntax jump:
                    return new Drop($"returns early at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
                case ContinueStatementSyntax jump:
                    return new Drop($"goes on to the next iteration at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
                case StatementSyntax jump:
                    return new Drop($"jumps away at line {FlowGraphs.LineOf(jump)}", FixBefore, jump.SpanStart);
            }

            var what = usingStatement is null ? "scope" : "using block";
            return scope is BlockSyntax body
                ? new Drop($"reaches the end of its {what} at line {FlowGraphs.LineOf(body.CloseBraceToken)}", FixEnd, body.CloseBraceToken.SpanStart)
                : new Drop($"reaches the end of its {what} at line {FlowGraphs.LineOf(scope.GetLastToken())}", null, 0);
        }

        private static Drop Returns(ReturnStatementSyntax statement)
        {
            var last = statement.Parent is BlockSyntax { Parent: BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax } body
                       && body.Statements.LastOrDefault() == statement;
            return new Drop($"{(last ? "returns" : "returns early")} at line {FlowGraphs.LineOf(statement)}", FixBefore, statement.SpanStart);
        }

        /// <summary>The block (or switch section) a local lives in.</summary>
        private static SyntaxNode? Scope(ILocalSymbol local)
        {
            foreach (var reference in local.DeclaringSyntaxReferences)
            {
                for (var node = reference.GetSyntax().Parent; node is not null && !FlowGraphs.IsFunction(node); node = node.Parent)
                {
                    if (node is BlockSyntax or SwitchSectionSyntax)
                    {
                        return node;
                    }

                    if (node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax)
                    {
                        break;
                    }
                }
            }

            return null;
        }

        private static int StatementStart(SyntaxNode node) =>
            node.FirstAncestorOrSelf<StatementSyntax>()?.SpanStart ?? node.SpanStart;

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
