using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Bulwark.Analyzers;

/// <summary>
/// BWK1003's copies: <c>File.Copy(src, dest, overwrite: true)</c> and <c>FileInfo.CopyTo(dest, true)</c> truncate and
/// rewrite the destination in place, so until the copied file is fsynced a crash can leave it empty or torn where a
/// good file used to be, and until its directory is synced a newly created destination may vanish. A copy without
/// <c>overwrite</c> creates a new name that nothing relied on yet and is not judged.
/// </summary>
internal static class DurableCopies
{
    private static readonly TypeName FileInfo = new("System.IO.FileInfo");
    private static readonly TypeName FileStream = new("System.IO.FileStream");

    public static bool IsOverwritingCopy(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var copies = method.Name switch
        {
            "Copy" => KnownTypes.File.Matches(method.ContainingType),
            "CopyTo" => FileInfo.Matches(method.ContainingType),
            _ => false,
        };
        if (!copies)
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { Name: "overwrite", Type.SpecialType: SpecialType.System_Boolean }
                && argument.Value.ConstantValue is { HasValue: true, Value: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A call that fsyncs a file's data: <c>FileStream.Flush(true)</c>, <c>RandomAccess.FlushToDisk</c>, or a method
    /// named <c>FsyncFile*</c> whose body (when in source) does something. Which file is not checked: the copy and the
    /// flush rarely share an expression, and asking for one would push people to stop flushing at all.
    /// </summary>
    public static bool IsFileSync(IInvocationOperation invocation, DirectorySyncMethods methods)
    {
        var method = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
        switch (method.Name)
        {
            case "Flush" when method.ContainingType.IsOrDerivesFrom(FileStream):
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Value.ConstantValue is { HasValue: true, Value: true })
                    {
                        return true;
                    }
                }

                return false;
            case "FlushToDisk" when KnownTypes.RandomAccess.Matches(method.ContainingType):
                return true;
            default:
                return method.Name.StartsWith("FsyncFile", StringComparison.Ordinal) && !methods.DoesNothing(method);
        }
    }
}
