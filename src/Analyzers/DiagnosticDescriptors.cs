using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers;

/// <summary>
/// Every durability diagnostic (BWK1xxx). Ids are public surface (users suppress them, the README documents them):
/// never renumber or reuse one. Each help link is the page docs/diagnostics/{Id}.md of the repository.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "Bulwark.Durability";

    /// <summary>
    /// The repository, as Directory.Build.props' RepositoryUrl (an analyzer cannot read MSBuild properties at run time;
    /// a test keeps the two equal).
    /// </summary>
    public const string RepositoryUrl = "https://github.com/bulwark-data/bulwark";

    public const string HelpRoot = RepositoryUrl + "/blob/main/docs/diagnostics/";

    public const string UncheckedDeserializationId = "BWK1001";
    public const string UncommittedWriterId = "BWK1002";
    public const string RenameWithoutDirectorySyncId = "BWK1003";
    public const string LoopEndsOnOneErrorId = "BWK1004";
    public const string FailuresFilteredBeforeDeletionId = "BWK1005";
    public const string IgnoredCompareAndSetResultId = "BWK1006";

    /// <summary>{0} the reinterpreting API, {1} what it reads (e.g. "bytes read from storage"), {2} a hint naming the validated replacement, or empty.</summary>
    public static readonly DiagnosticDescriptor UncheckedDeserialization = Warning(
        UncheckedDeserializationId,
        "Unchecked deserialization",
        "'{0}' reinterprets {1} without validating it; a torn or corrupt file becomes garbage values or a crash, so decode it with a validating reader{2}");

    /// <summary>{0} the writer (local name or expression), {1} its type, {2} how it is lost (e.g. "is discarded", "goes out of scope on some path"), {3} the method that commits it.</summary>
    public static readonly DiagnosticDescriptor UncommittedWriter = Warning(
        UncommittedWriterId,
        "Uncommitted file writer",
        "'{0}' ({1}) {2} without being committed; everything written to it is lost, so call {3} on every path");

    /// <summary>
    /// {0} the renaming or copying API, {1} what it does and what is not synced, {2} what a crash may leave, {3} the
    /// remedy. One descriptor for both cases (renames, overwriting copies): the testing library's markup and the
    /// release tracking take one descriptor per id.
    /// </summary>
    public static readonly DiagnosticDescriptor RenameWithoutDirectorySync = Warning(
        RenameWithoutDirectorySyncId,
        "Rename without directory sync",
        "'{0}' {1} afterwards; after a crash {2}, so {3}");

    /// <summary>{0} the loop's head (e.g. "while (true)").</summary>
    public static readonly DiagnosticDescriptor LoopEndsOnOneError = Warning(
        LoopEndsOnOneErrorId,
        "Background loop ends on one error",
        "An exception in the body of background loop '{0}' escapes it and ends the loop for good; catch, log and continue inside the loop so that only cancellation ends it");

    /// <summary>{0} the construct that drops failures (e.g. "catch { continue; }"), {1} the method that later deletes.</summary>
    public static readonly DiagnosticDescriptor FailuresFilteredBeforeDeletion = Warning(
        FailuresFilteredBeforeDeletionId,
        "Failures filtered out of a deletion decision",
        "'{0}' drops failures from a set that '{1}' later uses to decide deletions; an entry that failed to load then looks unused and is deleted, so stop on the failure or keep everything it might reference");

    /// <summary>{0} the compare-and-set method.</summary>
    public static readonly DiagnosticDescriptor IgnoredCompareAndSetResult = Warning(
        IgnoredCompareAndSetResultId,
        "Compare-and-set result ignored",
        "The result of '{0}' is ignored; when the compare fails nothing was written, so check the result and retry or give up");

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    public static string HelpLink(string id) => HelpRoot + id + ".md";
}
