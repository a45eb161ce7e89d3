using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

public sealed partial class UncommittedWriterAnalyzer
{
    /// <summary>The ownership rules: what one use of a followed writer does to it (commits it, hands it off, disposes it or nothing).</summary>
    private sealed partial class WriterRules
    {
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
                    case IArrayInitializerOperation:
                    case IArrayCreationOperation:
                    case ICollectionExpressionOperation:
                        // An element of a params array (string.Format, a logging template): judged by the call it goes to.
                        current = parent;
                        continue;
                    case IInterpolationOperation:
                        // Formatted into a string, which cannot commit it or hand it on.
                        return Effect.None;
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

                        if (argument.Parent is IInvocationOperation call && FormattingCalls.OnlyFormats(call.TargetMethod, argument.Parameter))
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
    }
}
