using Bulwark.Storage;
using Bulwark.Testing;

namespace Quickstart;

/// <summary>
/// A local disk that fails now and then, for step 1: the fault-injecting decorator (the same test double users test
/// their own code with) over the real directory. Every 3rd file publication fails before it happens; every 2nd commit
/// record is published but reported failed, so the retry must find it rather than write it twice. Each fault is
/// transient: it fires on a file's first publication only, so the flush loop's retry gets through. The counters run
/// under the decorator's lock, which evaluates the rules one operation at a time.
/// </summary>
internal static class FlakyDisk
{
    public static FaultInjectingBackend Wrap(IStorageBackend disk)
    {
        var publications = 0;
        var commitRecords = 0;
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var unacknowledged = new HashSet<string>(StringComparer.Ordinal);
        return new FaultInjectingBackend(disk)
            .FailWhen(op => op.Kind == StorageOperationKind.Rename && ++publications % 3 == 0 && failed.Add(op.Path), permanent: true)
            .FailWhen(
                op => op.Kind == StorageOperationKind.Rename && op.Path.StartsWith("_commits/", StringComparison.Ordinal) && ++commitRecords % 2 == 0 && unacknowledged.Add(op.Path),
                permanent: true,
                timing: FaultTiming.After);
    }
}
