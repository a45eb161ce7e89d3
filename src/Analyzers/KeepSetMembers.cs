using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// One body of a type, as BWK1005's single walk of it found it: what it deletes, where it drops failures, and which
/// methods of the same type it calls. Only bodies with any of these are kept until the end of the type.
/// </summary>
internal sealed class KeepSetBody(
    ISymbol owner,
    string name,
    IOperation root,
    List<IOperation> deletions,
    List<ICatchClauseOperation> catches,
    List<IInvocationOperation> filters,
    List<IInvocationOperation> calls)
{
    private List<IOperation>? _flows;

    public ISymbol Owner { get; } = owner;

    /// <summary>The name a message shows for the body's member.</summary>
    public string Name { get; } = name;

    public IOperation Root { get; } = root;

    public List<IOperation> Deletions { get; } = deletions;

    public List<ICatchClauseOperation> Catches { get; } = catches;

    public List<IInvocationOperation> Filters { get; } = filters;

    /// <summary>Invocations of methods declared in the same type.</summary>
    public List<IInvocationOperation> Calls { get; } = calls;

    public List<IOperation> Flows => _flows ??= KeepSetFlow.CollectFlows(Root);
}

/// <summary>
/// BWK1005 across the members of one type: a keep-set filled with failures dropped in one method (a field filled in
/// the gathering loop, a set returned to a caller, a set passed to another method) that another method of the same type
/// uses to decide what to delete. Run once per type, at its end, over the bodies its members' walks kept.
/// <para>
/// What a set reaches is followed one step: into a field or property of the type, into the value a method returns
/// (its callers in the type then hold the set), and into a parameter of a method of the type. A method that deletes
/// what its parameter names (<c>void DeleteCommit(string id) =&gt; Directory.Delete(..id.., true)</c>) counts as a
/// deletion where it is called. Nothing leaves the type: a member of another type, even a derived one, is not followed.
/// </para>
/// </summary>
internal static class KeepSetMembers
{
    private static readonly TypeName FileNotFoundException = new("System.IO.FileNotFoundException");
    private static readonly TypeName DirectoryNotFoundException = new("System.IO.DirectoryNotFoundException");

    /// <summary>
    /// A catch of only FileNotFoundException or DirectoryNotFoundException that does not end the gathering: the entry is
    /// gone, not unreadable, and what it referenced is garbage (a commit whose metadata, written last, never landed).
    /// A <c>break</c> still drops every entry after it, which do exist.
    /// </summary>
    public static bool CatchesOnlyAbsence(ICatchClauseOperation clause) =>
        (FileNotFoundException.Matches(clause.ExceptionType) || DirectoryNotFoundException.Matches(clause.ExceptionType))
        && !clause.Handler.DescendantsAndSelf().Any(o => o is IBranchOperation { BranchKind: BranchKind.Break or BranchKind.GoTo });

    /// <summary>A method declared in <paramref name="type"/> itself (not a base, not a nested type).</summary>
    public static bool IsOwnMethod(IMethodSymbol method, INamedTypeSymbol type) =>
        SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, type)
        && !method.DeclaringSyntaxReferences.IsEmpty;

    /// <summary>
    /// Reports every source of <paramref name="bodies"/> whose set another body decides deletions with, once, naming the
    /// first such body in source order. <paramref name="reported"/> holds the sources the per-method pass reported.
    /// </summary>
    public static void Analyze(
        INamedTypeSymbol type,
        IReadOnlyList<KeepSetBody> bodies,
        ISet<IOperation> reported,
        Action<IOperation, string> report,
        CancellationToken cancellationToken)
    {
        if (!bodies.Any(b => b.Catches.Count > 0 || b.Filters.Count > 0) || !bodies.Any(b => b.Deletions.Count > 0))
        {
            return;
        }

        var ordered = bodies.OrderBy(b => b.Root.Syntax.SyntaxTree.FilePath, StringComparer.Ordinal).ThenBy(b => b.Root.Syntax.SpanStart).ToList();
        // Judging which methods delete their parameter costs a flow per parameter: only done once a call needs it.
        HashSet<IMethodSymbol>? lazyHelpers = null;
        HashSet<IMethodSymbol> Helpers() => lazyHelpers ??= DeletingHelpers(ordered);
        var fields = new Dictionary<ISymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        var parameters = new Dictionary<ISymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        var producers = new Dictionary<IMethodSymbol, List<IOperation>>(SymbolEqualityComparer.Default);

        void Decide(KeepSetBody body, KeepSetFlow flow, IReadOnlyList<IOperation> sources, bool withOwnDeletions)
        {
            var deletions = DeletionsOf(body, body.Calls.Count == 0 ? [] : Helpers(), withOwnDeletions);
            if (deletions.Count > 0 && flow.FindDecidedDeletion(deletions) is not null)
            {
                foreach (var source in sources)
                {
                    if (reported.Add(source))
                    {
                        report(source, body.Name);
                    }
                }
            }
        }

        void Follow(KeepSetBody body, KeepSetFlow flow, IReadOnlyList<IOperation> sources)
        {
            foreach (var member in StoredMembers(body.Root, flow, type))
            {
                Append(fields, member, sources);
            }

            foreach (var parameter in HandedOver(body, flow, type))
            {
                Append(parameters, parameter, sources);
            }

            if (body.Owner is IMethodSymbol method && Returns(body.Root, flow))
            {
                Append(producers, Normalize(method), sources);
            }
        }

        // The sources themselves: their own method is judged again with the helpers it calls as deletions.
        foreach (var body in ordered)
        {
            foreach (var clause in body.Catches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var scope = KeepSetSources.GatheringScope(clause);
                var @try = (ITryOperation)clause.Parent!;
                foreach (var member in FilledMembers(scope, @try, type))
                {
                    Append(fields, member, [clause]);
                }

                var filled = KeepSetSources.CollectionsFilledIn(scope, @try);
                if (filled.Count > 0)
                {
                    var flow = KeepSetFlow.Start(body.Root, body.Flows, seed: null, filled);
                    Decide(body, flow, [clause], withOwnDeletions: false);
                    Follow(body, flow, [clause]);
                }
            }

            foreach (var filter in body.Filters)
            {
                var flow = KeepSetFlow.Start(body.Root, body.Flows, filter, []);
                Decide(body, flow, [filter], withOwnDeletions: false);
                Follow(body, flow, [filter]);
            }
        }

        // The callers of a method that returns such a set hold it too.
        foreach (var body in ordered)
        {
            foreach (var call in body.Calls)
            {
                if (producers.TryGetValue(Normalize(call.TargetMethod), out var sources))
                {
                    var flow = KeepSetFlow.Start(body.Root, body.Flows, call, []);
                    Decide(body, flow, sources, withOwnDeletions: true);
                    Follow(body, flow, sources);
                }
            }
        }

        if (fields.Count == 0 && parameters.Count == 0)
        {
            return;
        }

        var helpers = Helpers();
        foreach (var body in ordered)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (body.Deletions.Count == 0 && !body.Calls.Any(c => helpers.Contains(Normalize(c.TargetMethod))))
            {
                continue;
            }

            foreach (var pair in fields)
            {
                Decide(body, KeepSetFlow.Start(body.Root, body.Flows, seed: null, [], pair.Key), pair.Value, withOwnDeletions: true);
            }

            if (body.Owner is IMethodSymbol method)
            {
                foreach (var parameter in method.Parameters)
                {
                    if (parameters.TryGetValue(parameter.OriginalDefinition, out var sources))
                    {
                        Decide(body, KeepSetFlow.Start(body.Root, body.Flows, seed: null, [], parameter), sources, withOwnDeletions: true);
                    }
                }
            }
        }
    }

    // Methods of the type that delete what one of their parameters names: a call of one is a deletion of its arguments.
    private static HashSet<IMethodSymbol> DeletingHelpers(List<KeepSetBody> bodies)
    {
        var helpers = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (var body in bodies)
        {
            if (body.Deletions.Count == 0 || body.Owner is not IMethodSymbol { Parameters.Length: > 0 } method)
            {
                continue;
            }

            foreach (var parameter in method.Parameters)
            {
                var flow = KeepSetFlow.Start(body.Root, body.Flows, seed: null, [], parameter);
                if (body.Deletions.Any(flow.Keeps))
                {
                    helpers.Add(Normalize(method));
                    break;
                }
            }
        }

        return helpers;
    }

    private static List<IOperation> DeletionsOf(KeepSetBody body, HashSet<IMethodSymbol> helpers, bool withOwnDeletions)
    {
        var deletions = withOwnDeletions ? [.. body.Deletions] : new List<IOperation>();
        deletions.AddRange(body.Calls.Where(c => helpers.Contains(Normalize(c.TargetMethod))));
        return deletions;
    }

    /// <summary>The fields and properties of the type that <paramref name="scope"/> adds to where the catch can skip the add.</summary>
    private static IEnumerable<ISymbol> FilledMembers(IOperation scope, ITryOperation @try, INamedTypeSymbol type)
    {
        foreach (var operation in scope.Descendants())
        {
            var target = operation switch
            {
                IInvocationOperation { Instance: { } instance } invocation when IsAdd(invocation.TargetMethod.Name) => OwnMember(instance, type),
                IAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } } => OwnMember(instance, type),
                _ => null,
            };

            if (target is not null
                && (KeepSetSources.IsWithin(operation, @try.Body) || operation.Syntax.SpanStart >= @try.Syntax.Span.End))
            {
                yield return target;
            }
        }
    }

    /// <summary>Members of the type that receive the set: assigned it, added its items, or exchanged with it.</summary>
    private static IEnumerable<ISymbol> StoredMembers(IOperation root, KeepSetFlow flow, INamedTypeSymbol type)
    {
        foreach (var operation in root.Descendants())
        {
            var target = operation switch
            {
                IAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } } assignment
                    when flow.Keeps(assignment.Value) => OwnMember(instance, type),
                IAssignmentOperation assignment when flow.Keeps(assignment.Value) => OwnMember(assignment.Target, type),
                IInvocationOperation { Instance: { } instance } invocation when IsAdd(invocation.TargetMethod.Name)
                    && invocation.Arguments.Any(a => flow.Keeps(a.Value)) => OwnMember(instance, type),
                IInvocationOperation invocation when invocation.Arguments.Length == 2
                    && invocation.Arguments[0].Parameter?.RefKind == RefKind.Ref && flow.Keeps(invocation.Arguments[1].Value) => OwnMember(invocation.Arguments[0].Value, type),
                _ => null,
            };

            if (target is not null)
            {
                yield return target;
            }
        }
    }

    /// <summary>Parameters of the type's methods that a call in <paramref name="body"/> hands the set to.</summary>
    private static IEnumerable<IParameterSymbol> HandedOver(KeepSetBody body, KeepSetFlow flow, INamedTypeSymbol type)
    {
        foreach (var call in body.Calls)
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.Parameter is { } parameter && flow.Keeps(argument.Value) && IsOwnMethod(call.TargetMethod, type))
                {
                    yield return parameter.OriginalDefinition;
                }
            }
        }
    }

    /// <summary>The method's own body (not a lambda's or local function's) returns or yields the set.</summary>
    private static bool Returns(IOperation root, KeepSetFlow flow) =>
        root.Descendants().Any(o => o is IReturnOperation { ReturnedValue: { } value } @return
            && @return.GetEnclosingBody().Parent is not (IAnonymousFunctionOperation or ILocalFunctionOperation)
            && flow.Keeps(value));

    private static ISymbol? OwnMember(IOperation reference, INamedTypeSymbol type)
    {
        var (member, instance) = LoopShapes.Unwrap(reference) switch
        {
            IFieldReferenceOperation field => ((ISymbol)field.Field, field.Instance),
            IPropertyReferenceOperation { Property.IsIndexer: false } property => (property.Property, property.Instance),
            _ => (null, null),
        };

        return member is not null
            && SymbolEqualityComparer.Default.Equals(member.ContainingType?.OriginalDefinition, type)
            && instance is null or IInstanceReferenceOperation
            && KeepSetSources.IsCollection(member is IFieldSymbol f ? f.Type : ((IPropertySymbol)member).Type)
                ? member.OriginalDefinition
                : null;
    }

    private static IMethodSymbol Normalize(IMethodSymbol method) =>
        (method.PartialDefinitionPart ?? method).OriginalDefinition;

    private static void Append<TKey>(Dictionary<TKey, List<IOperation>> map, TKey key, IReadOnlyList<IOperation> sources)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        foreach (var source in sources)
        {
            if (!list.Contains(source))
            {
                list.Add(source);
            }
        }
    }

    private static bool IsAdd(string name) => name is
        "Add" or "AddRange" or "UnionWith" or "TryAdd" or "Insert" or "InsertRange" or "Push" or "Enqueue" or "AddOrUpdate" or "GetOrAdd";
}
