using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1001: stored bytes reinterpreted without validation. Four shapes:
/// <list type="bullet">
/// <item>a reinterpreting primitive (<c>MemoryMarshal.Cast/Read/TryRead/AsRef</c>, <c>Unsafe.ReadUnaligned/As</c>) over
/// bytes that, within the method, came from a file, stream, pipe or storage-backend read; or a struct's memory
/// (<c>MemoryMarshal.AsBytes</c>, <c>Cast&lt;T, byte&gt;</c>) handed to such a read as its buffer, which fills the
/// struct straight from the file (<see cref="StoredBytes"/>);</item>
/// <item>a length decoded from such bytes that sizes an allocation or a read with no bound check on the way
/// (<see cref="UncheckedLengths"/>, <see cref="LengthGuards"/>);</item>
/// <item>object-graph formatters (<c>BinaryFormatter</c> and friends), wherever their input comes from;</item>
/// <item>any API marked <c>[UncheckedDeserialization]</c> or listed in <c>bulwark.bwk1001.deserialization_methods</c>,
/// except from a method that is itself marked or listed (it passes the duty on to its callers) or from the replacement
/// the attribute names (that is where the validation lives).</item>
/// </list>
/// Cost: one callback per invocation that looks at the method's name and type first; a body's data flow and graph are
/// built only when it calls one of the APIs above.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UncheckedDeserializationAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// The <c>.editorconfig</c> key listing a project's own unchecked deserialization APIs, for code that cannot be
    /// marked with <c>[UncheckedDeserialization]</c>; see <see cref="MethodListOption"/> for the entries.
    /// </summary>
    public const string DeserializationMethodsKey = "bulwark.bwk1001.deserialization_methods";

    /// <summary>Diagnostic property: which fix applies ("Replacement" or "BinaryPrimitives").</summary>
    public const string FixKey = "Fix";

    /// <summary>Diagnostic property: the replacement method name (for "Replacement") or the BinaryPrimitives method (for "BinaryPrimitives").</summary>
    public const string TargetKey = "Target";

    public const string ReplacementFix = "Replacement";
    public const string BinaryPrimitivesFix = "BinaryPrimitives";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [DiagnosticDescriptors.UncheckedDeserialization];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var state = new CompilationState(start.Compilation, start.Options.AnalyzerConfigOptionsProvider);
            start.RegisterOperationAction(state.OnInvocation, OperationKind.Invocation);
            if (state.HasAttribute)
            {
                // Only a marked constructor makes a creation interesting, and nothing can be marked without the attribute.
                start.RegisterOperationAction(state.OnCreation, OperationKind.ObjectCreation);
            }
        });
    }

    private sealed class CompilationState
    {
        private readonly MethodListOption _options;
        private readonly ConcurrentDictionary<IMethodSymbol, AttributeData?> _marks = new(SymbolEqualityComparer.Default);
        private readonly ConditionalWeakTable<IOperation, Body> _bodies = new();

        public CompilationState(Compilation compilation, AnalyzerConfigOptionsProvider options)
        {
            HasAttribute = !compilation.GetTypesByMetadataName(KnownTypes.UncheckedDeserializationAttribute.FullMetadataName).IsEmpty;
            _options = new MethodListOption(DeserializationMethodsKey, options);
        }

        public bool HasAttribute { get; }

        public void OnInvocation(OperationAnalysisContext context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            var method = invocation.TargetMethod;
            var type = method.ContainingType;

            if (KnownTypes.MemoryMarshal.Matches(type) || KnownTypes.Unsafe.Matches(type))
            {
                if (!IsExempt(context))
                {
                    Reinterpretations.Analyze(context, invocation, () => BodyOf(invocation).Bytes);
                }

                return;
            }

            if (Reinterpretations.AlwaysUnchecked(invocation) is { } always)
            {
                if (!IsExempt(context))
                {
                    context.ReportDiagnostic(always);
                }

                return;
            }

            if (Mark(method) is { } attribute)
            {
                ReportMarked(context, method, attribute, invocation.Syntax, isInvocation: true);
                return;
            }

            if (_options.Lists(method, invocation.Syntax.SyntaxTree))
            {
                if (!IsExempt(context))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.UncheckedDeserialization, invocation.Syntax.GetLocation(), Reinterpretations.Name(method), "its input", string.Empty));
                }

                return;
            }

            if (UncheckedLengths.MayDecodeLength(method) && !IsExempt(context))
            {
                AnalyzeLength(context, invocation);
            }
        }

        public void OnCreation(OperationAnalysisContext context)
        {
            var creation = (IObjectCreationOperation)context.Operation;
            if (creation.Constructor is { } constructor && Mark(constructor) is { } attribute)
            {
                ReportMarked(context, constructor, attribute, creation.Syntax, isInvocation: false);
            }
        }

        private void AnalyzeLength(OperationAnalysisContext context, IInvocationOperation invocation)
        {
            var body = BodyOf(invocation);
            var value = UncheckedLengths.DecodedValue(invocation, body.Bytes, out var outLocal);
            if (value is null && outLocal is null)
            {
                return;
            }

            foreach (var use in UncheckedLengths.UsesOf(invocation, outLocal, body.Bytes))
            {
                if (LengthGuards.IsUnbounded(body.Graphs(context), invocation, use.Sink, use.Locals) && body.Reported.TryAdd(use.Sink, 0))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.UncheckedDeserialization,
                        use.Sink.Syntax.GetLocation(),
                        Reinterpretations.Name(invocation.TargetMethod),
                        $"bytes read from storage as the length for '{use.SinkName}'",
                        " and compare the length against a limit or the bytes remaining first"));
                }
            }
        }

        /// <summary>A method marked, or listed in the options, passes the duty to validate on to its callers.</summary>
        private bool IsExempt(OperationAnalysisContext context) =>
            context.ContainingSymbol is IMethodSymbol owner
            && (Mark(owner) is not null || _options.Lists(owner, context.Operation.Syntax.SyntaxTree));

        private AttributeData? Mark(IMethodSymbol method) =>
            HasAttribute ? _marks.GetOrAdd(method, m => m.GetInheritedAttribute(KnownTypes.UncheckedDeserializationAttribute)) : null;

        private void ReportMarked(OperationAnalysisContext context, IMethodSymbol method, AttributeData attribute, SyntaxNode syntax, bool isInvocation)
        {
            var owner = context.ContainingSymbol as IMethodSymbol;
            if (owner is not null && Mark(owner) is not null)
            {
                return;
            }

            var replacement = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string { Length: > 0 } text ? text : null;
            if (replacement is not null
                && owner is not null
                && owner.Name == replacement.Substring(replacement.LastIndexOf('.') + 1)
                && SymbolEqualityComparer.Default.Equals(owner.ContainingType, method.ContainingType))
            {
                return;
            }

            var properties = replacement is not null && isInvocation
                ? ImmutableDictionary<string, string?>.Empty.Add(FixKey, ReplacementFix).Add(TargetKey, replacement)
                : ImmutableDictionary<string, string?>.Empty;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.UncheckedDeserialization,
                syntax.GetLocation(),
                properties,
                Reinterpretations.Name(method),
                "its input",
                replacement is null ? string.Empty : $" such as '{replacement}'"));
        }

        private Body BodyOf(IOperation operation)
        {
            var root = operation;
            while (root.Parent is { } parent)
            {
                root = parent;
            }

            return _bodies.GetValue(root, r => new Body(new StoredBytes(r)));
        }
    }

    /// <summary>What BWK1001 knows about one body, built the first time a call in it needs it.</summary>
    private sealed class Body(StoredBytes bytes)
    {
        private readonly object _gate = new();
        private List<ControlFlowGraph>? _graphs;

        public StoredBytes Bytes { get; } = bytes;

        public ConcurrentDictionary<IOperation, byte> Reported { get; } = new();

        public List<ControlFlowGraph> Graphs(OperationAnalysisContext context)
        {
            lock (_gate)
            {
                return _graphs ??= FlowGraphs.WithNested(context.GetControlFlowGraph(), context.CancellationToken);
            }
        }
    }
}
