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
public sealed partial class UncommittedWriterAnalyzer : DiagnosticAnalyzer
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
}
