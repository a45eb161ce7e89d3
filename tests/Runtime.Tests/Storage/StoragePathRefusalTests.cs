using Bulwark.Storage;
using Xunit;

namespace Bulwark.Runtime.Tests.Storage;

/// <summary>
/// Every refusal of the path gate, word for word, and the names it keeps for pending temporaries: an operator reads
/// these messages in a log, so each one names the path (escaped where it could corrupt the log) and the reason.
/// </summary>
public sealed class StoragePathRefusalTests
{
    private static readonly string LongPath = new('p', StoragePath.MaxLength + 1);

    public static TheoryData<string, string> Refusals => new()
    {
        { "/etc/passwd", "Storage path '/etc/passwd' is refused: it is absolute; backend paths are relative to the storage root." },
        { "\\x", "Storage path '\\x' is refused: it is absolute; backend paths are relative to the storage root." },
        { "C:x", "Storage path 'C:x' is refused: it names a drive; backend paths are relative to the storage root." },
        { "a\0b", "Storage path 'a\\u0000b' is refused: it contains a control character (NUL or another)." },
        { "a//b", "Storage path 'a//b' is refused: it contains an empty segment." },
        { "/", "Storage path '/' is refused: it is absolute; backend paths are relative to the storage root." },
        { "a/../b", "Storage path 'a/../b' is refused: it contains a '..' segment, which could leave the storage root." },
        { "./a", "Storage path './a' is refused: it contains a '.' segment, which could leave the storage root." },
        { LongPath, $"Storage path '{LongPath[..64]}...' is refused: it is longer than 1024 characters." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void EachRefusalNamesThePathAndTheReason(string path, string message)
    {
        var refused = Assert.Throws<StoragePathException>(() => StoragePath.Normalize(path));

        Assert.Equal(message, refused.Message);
    }

    [Fact]
    public void ALoneSurrogateIsRefused()
    {
        // Not theory data: the test runner's serialization of theory arguments replaces a lone surrogate by U+FFFD.
        foreach (var path in new[] { "a\ud800b", "a\udc00", "\ud800" })
        {
            var refused = Assert.Throws<StoragePathException>(() => StoragePath.Normalize(path));
            Assert.Equal($"Storage path '{path}' is refused: it contains an unpaired UTF-16 surrogate, which no file name can hold.", refused.Message);
        }
    }

    [Fact]
    public void TheLongestPathIsAcceptedAndPairedSurrogatesAndATrailingSeparatorAreKept()
    {
        var longest = new string('p', StoragePath.MaxLength);

        Assert.Equal(longest, StoragePath.Normalize(longest));
        Assert.Equal("a/\ud83d\ude00", StoragePath.Normalize("a\\\ud83d\ude00/"));
        Assert.Equal(string.Empty, StoragePath.Normalize(string.Empty));
        Assert.Throws<ArgumentNullException>(() => StoragePath.Normalize(null!));
    }

    [Fact]
    public void CombineAndGetDirectoryWorkOnNormalizedPaths()
    {
        Assert.Equal("name", StoragePath.Combine("", "name"));
        Assert.Equal("dir/name", StoragePath.Combine("dir", "name"));
        Assert.Throws<StoragePathException>(() => StoragePath.Combine("dir", "../x"));
        Assert.Equal(string.Empty, StoragePath.GetDirectory("name"));
        Assert.Equal("a/b", StoragePath.GetDirectory("a/b/c"));
    }

    [Fact]
    public void AnEntryPathShapedLikeATemporaryOrNamingTheRootIsRefused()
    {
        var temporary = Assert.Throws<StoragePathException>(() => StoragePath.NormalizeEntryPath("d/.x.0123456789abcdef.tmp/y"));
        Assert.Equal("Storage path 'd/.x.0123456789abcdef.tmp/y' is refused: '.x.0123456789abcdef.tmp' has the form reserved for pending temporaries.", temporary.Message);
        var root = Assert.Throws<StoragePathException>(() => StorageNames.NormalizeBelowRoot(string.Empty));
        Assert.Equal("Storage path '' is refused: it names the storage root itself.", root.Message);
    }

    [Theory]
    [InlineData(".x.0123456789abcdef.tmp", true, "x")]
    [InlineData(".a.b.0123456789abcdef.tmp", true, "a.b")]
    [InlineData("..0123456789abcdef.tmp", false, "")]
    [InlineData(".x.0123456789ABCDEF.tmp", false, "")]
    [InlineData(".x.0123456789abcde.tmp", false, "")]
    [InlineData(".x-0123456789abcdef.tmp", false, "")]
    [InlineData("x.0123456789abcdef.tmp", false, "")]
    [InlineData(".x.0123456789abcdef.tmq", false, "")]
    [InlineData(".x.0123456789abcdeg.tmp", false, "")]
    public void ATemporaryNameIsRecognisedOnlyInItsExactForm(string name, bool isTemporary, string target)
    {
        Assert.Equal(isTemporary, StorageNames.IsTemporary(name));
        Assert.Equal(isTemporary, StorageNames.TryGetTemporaryTarget(name, out var found));
        Assert.Equal(target, found);
    }

    [Fact]
    public void ATemporaryNameKeepsAtMostSixtyFourCharactersOfItsTargetAndNeverHalfASurrogatePair()
    {
        var exact = new string('n', 64);
        Assert.True(StorageNames.TryGetTemporaryTarget(StorageNames.NewTemporaryName(exact), out var kept));
        Assert.Equal(exact, kept);

        Assert.True(StorageNames.TryGetTemporaryTarget(StorageNames.NewTemporaryName(exact + "tail"), out var cut));
        Assert.Equal(exact, cut);

        // A pair straddling the cut goes whole: its high half alone would be a name no file system can hold.
        var straddling = new string('n', 63) + "\ud83d\ude00" + "tail";
        Assert.True(StorageNames.TryGetTemporaryTarget(StorageNames.NewTemporaryName(straddling), out var whole));
        Assert.Equal(new string('n', 63), whole);

        Assert.NotEqual(StorageNames.NewTemporaryName("x"), StorageNames.NewTemporaryName("x"));
    }
}
