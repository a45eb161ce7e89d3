namespace Bulwark.Storage;

/// <summary>
/// The refusals of a <see cref="PendingFile"/> that was committed, abandoned or failed, worded once so that a caller
/// sees the same text whichever backend it runs on. Public for backends built outside this assembly (the S3 backend,
/// the test backends): a backend of its own should use them too.
/// </summary>
public static class PendingFileRefusals
{
    /// <summary>A second <see cref="PendingFile.CommitAsync"/> after one that succeeded.</summary>
    public static InvalidOperationException AlreadyCommitted(string path) =>
        new($"The pending file '{path}' was already committed; a pending file is committed once.");

    /// <summary>A commit or a write after a commit that failed: a failed commit is never retried.</summary>
    public static InvalidOperationException CommitFailedBefore(string path) =>
        new($"An earlier commit of the pending file '{path}' failed; write the file again with a new pending file.");

    /// <summary>A write, seek or length change after a commit that succeeded.</summary>
    public static InvalidOperationException WrittenAfterCommit(string path) =>
        new($"The pending file '{path}' was committed; its bytes can no longer change.");

    /// <summary>A write, seek or length change after the pending file was disposed without a commit.</summary>
    public static InvalidOperationException WrittenAfterDispose(string path) =>
        new($"The pending file '{path}' was disposed without a commit; nothing can be written to it.");
}
