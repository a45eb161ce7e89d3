using Bulwark.Storage;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// Random path strings, built from the pieces path attacks are made of, either normalize to a path that resolves
/// under the root or are refused: never anything in between, never outside.
/// </summary>
public sealed class StoragePathPropertyTests : IDisposable
{
    private static readonly string[] Pieces =
    [
        "a", "b", "file.bin", "..", ".", "", "...", " ", "~", "C:", "c:", "\\\\server", "share", "\0", "\u0001", "\u007f",
        ":", "%2e%2e", "é", "\uD83D\uDE00", "\uD800", "\uDC00", "con", "nul", "a.", "a ", "*", "?", "\"", "<", "|",
        ".x.0123456789abcdef.tmp", "etc", "passwd",
    ];

    private static readonly string[] Separators = ["/", "\\", "//", "\\\\", "/./", "/../", ""];

    private readonly TempDirectory temp = new();
    private readonly LocalFileSystemBackend local;

    public StoragePathPropertyTests()
    {
        File.WriteAllBytes(temp.Join("sentinel"), [1]);
        local = new LocalFileSystemBackend(temp.Join("root"));
    }

    private static Arbitrary<string> HostileStrings { get; } = Gen.Frequency(
            (4, Gen.ArrayOf(Gen.Elements(Pieces).SelectMany(piece => Gen.Elements(Separators), (piece, separator) => piece + separator))
                .Select(parts => string.Concat(parts))),
            (1, ArbMap.Default.ArbFor<string>().Generator.Where(s => s is not null)),
            (1, Gen.Elements(Separators).SelectMany(prefix => Gen.Elements(Pieces), (prefix, piece) => prefix + piece)))
        .ToArbitrary();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void NormalizedPathsAreCanonicalAndStayRelative() =>
        Prop.ForAll(HostileStrings, path =>
        {
            string normalized;
            try
            {
                normalized = StoragePath.Normalize(path);
            }
            catch (StoragePathException)
            {
                return;
            }

            Assert.Equal(normalized, StoragePath.Normalize(normalized));
            Assert.False(normalized.StartsWith('/'));
            Assert.DoesNotContain('\\', normalized);
            Assert.False(normalized.Length >= 2 && normalized[1] == ':');
            if (normalized.Length > 0)
            {
                Assert.All(normalized.Split('/'), segment => Assert.True(segment.Length > 0 && segment != "." && segment != ".."));
            }

            Assert.DoesNotContain(normalized, char.IsControl);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));

    [Fact]
    public void EveryAcceptedPathResolvesUnderTheRoot()
    {
        var root = local.RootPath + Path.DirectorySeparatorChar;
        Prop.ForAll(HostileStrings, path =>
        {
            string full;
            try
            {
                full = local.GetFullPath(path);
            }
            catch (StoragePathException)
            {
                return;
            }

            Assert.True(full == local.RootPath || full.StartsWith(root, StringComparison.Ordinal), $"'{path}' resolved to '{full}'");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void AcceptedPathsRoundTripThroughBothBackendsAndNothingLandsOutside()
    {
        var memory = new InMemoryBackend();
        Prop.ForAll(HostileStrings, path =>
        {
            foreach (var backend in new IStorageBackend[] { local, memory })
            {
                WriteThenReadAsync(backend, path).GetAwaiter().GetResult();
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));

        Assert.Equal(["root", "sentinel"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new byte[] { 1 }, File.ReadAllBytes(temp.Join("sentinel")));
    }

    private static async Task WriteThenReadAsync(IStorageBackend backend, string path)
    {
        string normalized;
        try
        {
            normalized = StoragePath.Normalize(path);
        }
        catch (StoragePathException)
        {
            await Assert.ThrowsAsync<StoragePathException>(async () => await backend.CreateAsync(path));
            return;
        }

        PendingFile file;
        try
        {
            file = await backend.CreateAsync(path);
        }
        catch (StoragePathException) when (normalized.Length == 0 || normalized.Split('/').Any(s => s.StartsWith('.') && s.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            return;
        }
        catch (StorageException exception) when (exception is not StoragePathException)
        {
            // An earlier case left a file where this path needs a directory (or the reverse), or the file system
            // refuses a name the contract allows (too long).
            return;
        }

        await using (file)
        {
            file.Write([7]);
            try
            {
                await file.CommitAsync();
            }
            catch (StorageException exception) when (exception is not StoragePathException)
            {
                return;
            }
        }

        Assert.Equal(new StorageEntry(normalized, false, 1), await backend.GetEntryAsync(path));
        Assert.Contains(await backend.ListAsync(StoragePath.GetDirectory(normalized)), e => e.Path == normalized);
        Assert.True(await backend.DeleteAsync(normalized));
    }
}
