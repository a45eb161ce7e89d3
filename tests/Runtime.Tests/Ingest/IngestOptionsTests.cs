using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary><see cref="IngestOptions.Validate"/>: every range, refused by the option's name, and its edges accepted.</summary>
public sealed class IngestOptionsTests
{
    // Keyed by what is wrong, so that each case reads as its own test name.
    private static readonly Dictionary<string, (string Option, Func<IngestOptions> Options, string Message)> InvalidCases = new()
    {
        ["an undefined format"] = (nameof(IngestOptions.Format), () => new() { Format = (IngestFormat)2 }, "Format must be Parquet or ArrowIpc."),
        ["no cached byte"] = (nameof(IngestOptions.MaxCachedBytes), () => new() { MaxCachedBytes = 0 }, "MaxCachedBytes must be positive."),
        ["no row per file"] = (nameof(IngestOptions.MaxRowsPerFile), () => new() { MaxRowsPerFile = 0 }, "MaxRowsPerFile must be positive."),
        ["a negative row count per file"] = (nameof(IngestOptions.MaxRowsPerFile), () => new() { MaxRowsPerFile = -1 }, "MaxRowsPerFile must be positive."),
        ["a zero flush interval"] = (nameof(IngestOptions.FlushInterval), () => new() { FlushInterval = TimeSpan.Zero }, "FlushInterval must be a positive, finite time."),
        ["an infinite flush interval"] = (nameof(IngestOptions.FlushInterval), () => new() { FlushInterval = Timeout.InfiniteTimeSpan }, "FlushInterval must be a positive, finite time."),
        ["a negative maximum age"] = (nameof(IngestOptions.MaxAge), () => new() { MaxAge = TimeSpan.FromTicks(-1) }, "MaxAge must be a positive, finite time."),
        ["an infinite maximum age"] = (nameof(IngestOptions.MaxAge), () => new() { MaxAge = Timeout.InfiniteTimeSpan }, "MaxAge must be a positive, finite time."),
        ["a zero visit timeout"] = (nameof(IngestOptions.VisitTimeout), () => new() { VisitTimeout = TimeSpan.Zero }, "VisitTimeout must be a positive, finite time."),
        ["an infinite shutdown timeout"] = (nameof(IngestOptions.ShutdownTimeout), () => new() { ShutdownTimeout = Timeout.InfiniteTimeSpan }, "ShutdownTimeout must be a positive, finite time."),
        ["a zero retry delay"] = (nameof(IngestOptions.RetryDelay), () => new() { RetryDelay = TimeSpan.Zero }, "RetryDelay must be a positive, finite time."),
        ["a zero maximum retry delay"] = (nameof(IngestOptions.MaxRetryDelay), () => new() { MaxRetryDelay = TimeSpan.Zero }, "MaxRetryDelay must be a positive, finite time."),
        ["a flush interval past the maximum age"] = (nameof(IngestOptions.FlushInterval), () => new() { FlushInterval = TimeSpan.FromSeconds(31), MaxAge = TimeSpan.FromSeconds(30) }, "FlushInterval must not exceed MaxAge (00:00:30): rows are cut at FlushInterval so that they can be committed within MaxAge."),
        ["a retry delay past its maximum"] = (nameof(IngestOptions.RetryDelay), () => new() { RetryDelay = TimeSpan.FromSeconds(2), MaxRetryDelay = TimeSpan.FromSeconds(1) }, "RetryDelay must not exceed MaxRetryDelay (00:00:01)."),
        ["an empty writer id"] = (nameof(IngestOptions.WriterId), () => new() { WriterId = "" }, "WriterId '' is not 1 to 64 letters, digits, '_' or '-'."),
        ["a writer id of 65 characters"] = (nameof(IngestOptions.WriterId), () => new() { WriterId = new string('w', 65) }, $"WriterId '{new string('w', 65)}' is not 1 to 64 letters, digits, '_' or '-'."),
        ["a writer id with a path separator"] = (nameof(IngestOptions.WriterId), () => new() { WriterId = "a/b" }, "WriterId 'a/b' is not 1 to 64 letters, digits, '_' or '-'."),
        ["a writer id with a dot"] = (nameof(IngestOptions.WriterId), () => new() { WriterId = "a.spill-0123456789abcdef" }, "WriterId 'a.spill-0123456789abcdef' is not 1 to 64 letters, digits, '_' or '-'."),
        ["a relative spill directory"] = (nameof(IngestOptions.SpillDirectory), () => new() { SpillDirectory = "relative" }, "SpillDirectory 'relative' must be an absolute local path."),
        ["an empty spill directory"] = (nameof(IngestOptions.SpillDirectory), () => new() { SpillDirectory = "" }, "SpillDirectory '' must be an absolute local path."),
    };

    public static TheoryData<string> Invalid => [.. InvalidCases.Keys];

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_value_out_of_range_is_refused_naming_the_option(string invalid)
    {
        var (option, options, message) = InvalidCases[invalid];

        var refused = Assert.ThrowsAny<ArgumentException>(() => options().Validate());

        Assert.Equal(option, refused.ParamName);
        Assert.StartsWith(message, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_edges_of_every_range_are_accepted()
    {
        var tick = TimeSpan.FromTicks(1);
        var options = new IngestOptions
        {
            Format = IngestFormat.ArrowIpc,
            MaxCachedBytes = 1,
            MaxRowsPerFile = 1,
            FlushInterval = tick,
            MaxAge = tick,
            VisitTimeout = tick,
            ShutdownTimeout = tick,
            RetryDelay = tick,
            MaxRetryDelay = tick,
            WriterId = "Az09_-" + new string('w', 58),
            SpillDirectory = Path.GetTempPath(),
        };

        options.Validate();

        Assert.Equal(".arrow", options.Extension);
        Assert.Equal(".parquet", new IngestOptions().Extension);
    }

    [Fact]
    public void The_defaults_are_valid_and_the_default_writer_id_is_the_machine_name_made_safe()
    {
        var options = new IngestOptions();

        options.Validate();

        // Two controllers on one machine must set their own; by default the name is the machine's, unsafe characters as '-'.
        var machine = Environment.MachineName;
        Assert.True(IngestOptions.IsValidWriterId(options.WriterId), options.WriterId);
        if (machine.Length is > 0 and <= 64)
        {
            Assert.Equal(machine.Length, options.WriterId.Length);
            Assert.All(machine.Zip(options.WriterId), pair => Assert.True(pair.First == pair.Second || (pair.Second == '-' && !char.IsAsciiLetterOrDigit(pair.First) && pair.First != '_'), $"{machine} -> {options.WriterId}"));
        }

        Assert.Equal((IngestFormat.Parquet, 256L * 1024 * 1024, 1_000_000), (options.Format, options.MaxCachedBytes, options.MaxRowsPerFile));
        Assert.Null(options.SpillDirectory);
    }

    /// <summary>The machine's name is whatever this machine's is; every kind of name is tried here.</summary>
    [Theory]
    [InlineData("web-01", "web-01")]
    [InlineData("build_agent_7", "build_agent_7")]
    [InlineData("web01.example.org", "web01-example-org")]
    [InlineData("höst", "h-st")]
    [InlineData("", "writer")]
    public void A_machine_name_becomes_a_writer_id_with_unsafe_characters_as_dashes(string machine, string expected)
    {
        Assert.Equal(expected, IngestOptions.WriterIdFor(machine));
        Assert.True(IngestOptions.IsValidWriterId(IngestOptions.WriterIdFor(machine)));
    }

    [Fact]
    public void A_machine_name_too_long_for_a_writer_id_gives_writer_and_one_of_64_characters_is_kept()
    {
        var longest = new string('a', 63) + ".";
        Assert.Equal(new string('a', 63) + "-", IngestOptions.WriterIdFor(longest));
        Assert.Equal("writer", IngestOptions.WriterIdFor(longest + "b"));
    }
}
