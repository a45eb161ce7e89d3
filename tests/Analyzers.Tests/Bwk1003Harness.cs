using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers.Tests;

/// <summary>What the BWK1003 tests share: a directory-sync helper with a real body, and runs with an .editorconfig option.</summary>
internal static class Bwk1003Harness
{
    public const string Usings = """
        using Bulwark;
        using Bulwark.Storage;

        """;

    /// <summary>A project's own directory fsync, named for the name-based fallback and doing real work.</summary>
    public const string SyncHelper = """

        static class Fs
        {
            public static void SyncDirectory(string path)
            {
                using var directory = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                RandomAccess.FlushToDisk(directory);
            }
        }
        """;

    public static Task VerifyAsync(string markup) =>
        AnalyzerHarness.VerifyAsync(Usings + markup + SyncHelper, new RenameWithoutDirectorySyncAnalyzer());

    /// <summary>As <see cref="VerifyAsync"/>, with <paramref name="editorconfig"/> lines in the [*.cs] section and extra references.</summary>
    public static Task VerifyAsync(string markup, string editorconfig, params MetadataReference[] references)
    {
        var test = new LibraryTest([new RenameWithoutDirectorySyncAnalyzer()]) { TestCode = Usings + markup + SyncHelper }.WithImplicitUsings();
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", $"root = true\n\n[*.cs]\n{editorconfig}\n"));
        test.TestState.AdditionalReferences.AddRange(references);
        return test.RunAsync();
    }
}
