using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Bulwark.Analyzers.Tests;

/// <summary>
/// Which calls BWK1003 takes for a directory sync: the methods listed in <c>bulwark.directory_sync_methods</c>, and
/// methods named <c>SyncDirectory*</c>/<c>FsyncDirectory*</c> unless their body, in source, does nothing.
/// </summary>
public sealed class Bwk1003SyncMethodsTests
{
    private const string MyFs = """

        namespace Acme.Storage
        {
            public static class MyFs
            {
                public static void SyncDir(string path) => Native.Fsync(path);
            }

            static class Native
            {
                public static void Fsync(string path)
                {
                    using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                    RandomAccess.FlushToDisk(handle);
                }
            }
        }

        sealed class Journal
        {
            public void Roll(string current, string archived)
            {
                File.Move(current, archived);
                Acme.Storage.MyFs.SyncDir(Path.GetDirectoryName(archived)!);
            }
        }
        """;

    private static readonly string MyFsReported = MyFs.Replace("File.Move(current, archived)", "[|File.Move(current, archived)|]", StringComparison.Ordinal);

    [Theory]
    [InlineData("MyFs.SyncDir")]
    [InlineData("Acme.Storage.MyFs.SyncDir")]
    [InlineData("Other.Type.Method, MyFs.SyncDir")]
    [InlineData(" Other.Type.Method ,MyFs.SyncDir ")]
    [InlineData("SyncDir")]
    public Task A_listed_method_is_a_directory_sync(string methods) =>
        Bwk1003Harness.VerifyAsync(MyFs, $"bulwark.directory_sync_methods = {methods}");

    [Theory]
    [InlineData("")]
    [InlineData("Other.MyFs.SyncDir")]
    [InlineData("MyFs.SyncDirectory")]
    [InlineData("Fs.SyncDir")]
    public Task Without_a_matching_entry_the_rename_is_reported(string methods) =>
        Bwk1003Harness.VerifyAsync(MyFsReported, $"bulwark.directory_sync_methods = {methods}");

    [Fact]
    public Task With_no_option_the_rename_is_reported() => Bwk1003Harness.VerifyAsync(MyFsReported);

    [Fact]
    public Task A_sync_named_helper_whose_body_does_nothing_is_not_a_sync() => Bwk1003Harness.VerifyAsync("""
        sealed class Store
        {
            void Empty(string from, string to)
            {
                [|File.Move(from, to)|];
                SyncDirectory(".");
            }

            async Task CompletedTask(string from, string to)
            {
                [|File.Move(from, to)|];
                await FsyncDirectoryAsync(".");
            }

            void OnlyAReturn(string from, string to)
            {
                [|File.Replace(from, to, null)|];
                SyncDirectoryIfNeeded(".");
            }

            private static void SyncDirectory(string path) { }

            private static Task FsyncDirectoryAsync(string path) => Task.CompletedTask;

            private static bool SyncDirectoryIfNeeded(string path)
            {
                // Directory fsync is not needed here.
                return false;
            }
        }
        """);

    [Fact]
    public Task A_sync_named_method_without_a_body_in_source_is_taken_at_its_name() => Bwk1003Harness.VerifyAsync(
        """
        interface IFileSystem
        {
            void SyncDirectory(string path);
        }

        sealed class Store(IFileSystem fileSystem)
        {
            void ThroughAnInterface(string from, string to)
            {
                File.Move(from, to);
                fileSystem.SyncDirectory(".");
            }

            void FromMetadata(string from, string to)
            {
                File.Move(from, to);
                Vendor.NativeFs.FsyncDirectory(".");
            }
        }
        """,
        "",
        VendorLibrary());

    /// <summary>A compiled library whose sync-named method is empty: the analyzer cannot see that and trusts the name.</summary>
    private static MetadataReference VendorLibrary()
    {
        var compilation = CSharpCompilation.Create(
            "Vendor",
            [CSharpSyntaxTree.ParseText("namespace Vendor; public static class NativeFs { public static void FsyncDirectory(string path) { } }", AnalyzerHarness.ParseOptions)],
            AnalyzerHarness.PlatformReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }
}
