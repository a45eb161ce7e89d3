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
/// some path leaves the method normally without syncing a directory (see <see cref="DirectorySyncMethods"/>), and an
/// overwriting copy (<see cref="DurableCopies"/>) after which the copied file or its directory is not synced. Paths
/// that end in an exception are not judged: the caller is told the operation failed and does not rely on the rename.
/// A rename inside a lambda that a helper runs in place is judged in the enclosing method (<see cref="DirectorySyncFlow"/>).
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

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics =>
        [DiagnosticDescriptors.RenameWithoutDirectorySync];

    public override void Initialize(AnalysisContext context)
    {
        // Direct calls rather than ConfigureBulwarkDefaults: RS1025/RS1026 only recognise them in Initialize itself.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var methods = new DirectorySyncMethods(start.Options.AnalyzerConfigOptionsProvider);
            start.RegisterOperationBlockStartAction(block => AnalyzeBlock(block, methods));
        });
    }

    private static void AnalyzeBlock(OperationBlockStartAnalysisContext block, DirectorySyncMethods methods)
    {
        if (DefersSyncToCaller(block.OwningSymbol) || block.OperationBlocks.IsEmpty)
        {
            return;
        }

        // The graph is built only for blocks that rename or copy; most methods never do.
        var sites = new SiteSeen();
        block.RegisterOperationAction(
            operation =>
            {
                if (DirectorySyncFlow.IsSite((IInvocationOperation)operation.Operation))
                {
                    sites.Value = true;
                }
            },
            OperationKind.Invocation);
        block.RegisterOperationBlockEndAction(end =>
        {
            if (!sites.Value)
            {
                return;
            }

            var tree = end.OperationBlocks[0].Syntax.SyntaxTree;
            var flow = new DirectorySyncFlow(methods, tree, site => end.ReportDiagnostic(Describe(site)), end.CancellationToken);
            foreach (var graph in FlowGraphs.GetAll(end))
            {
                // Lambdas and local functions are solved from the body that holds them.
                if (graph.Parent is null)
                {
                    flow.AnalyzeAndReport(graph);
                }
            }
        });
    }

    private static Diagnostic Describe(UnsyncedSite unsynced)
    {
        var method = unsynced.Site.TargetMethod;
        var name = $"{method.ContainingType.Name}.{method.Name}";
        var location = unsynced.Site.Syntax.GetLocation();
        if (!DurableCopies.IsOverwritingCopy(unsynced.Site))
        {
            return Diagnostic.Create(
                DiagnosticDescriptors.RenameWithoutDirectorySync,
                location,
                name,
                "changes a directory entry but the directory is not synced",
                "the rename may vanish",
                "sync the directory (IStorageBackend.SyncDirectoryAsync) or let a backend do the rename");
        }

        var missing = (unsynced.File, unsynced.Directory) switch
        {
            (true, true) => "neither the copied file nor its directory is synced",
            (true, false) => "the copied file is not synced",
            _ => "its directory is not synced",
        };
        return Diagnostic.Create(
            DiagnosticDescriptors.RenameWithoutDirectorySync,
            location,
            name,
            "overwrites its destination but " + missing,
            "the destination may be empty or torn",
            "fsync the copied file (FileStream.Flush(true) or RandomAccess.FlushToDisk) and then its directory");
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

    private sealed class SiteSeen
    {
        private volatile bool _value;

        public bool Value
        {
            get => _value;
            set => _value = value;
        }
    }
}
