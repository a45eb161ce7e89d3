using System.Text.RegularExpressions;
using Bulwark.Parquet;
using Bulwark.Shards;
using Xunit;
using static Bulwark.Runtime.Tests.Shards.ShardTestKit;

namespace Bulwark.Runtime.Tests.Shards;

/// <summary>
/// The limits a shard keeps its state inside, and the arguments it refuses: each refusal names the limit or the
/// argument and why, and leaves the state as it was; up to the limit everything is accepted.
/// </summary>
public sealed class ShardLimitTests
{
    // xUnit replaces a lone surrogate in theory data with U+FFFD, so the ids spell their surrogates as {D83D}.
    public static TheoryData<string, string> RefusedHolderIds => new()
    {
        { string.Empty, "it must have 1 to 200 characters" },
        { new string('w', 201), "it must have 1 to 200 characters" },
        { "writer\u0007", "it must not contain control characters" },
        { "writer-{D83D}", "it must not contain an unpaired surrogate" },
        { "{DE00}-writer", "it must not contain an unpaired surrogate" },
        { "{D83D}{D83D}{DE00}", "it must not contain an unpaired surrogate" },
    };

    [Theory]
    [MemberData(nameof(RefusedHolderIds))]
    public async Task A_writer_or_reader_id_that_cannot_name_a_lease_is_refused_with_the_reason(string spelled, string reason)
    {
        var id = Regex.Replace(spelled, "{([0-9A-F]{4})}", m => ((char)Convert.ToUInt16(m.Groups[1].Value, 16)).ToString());
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var before = await kit.StateAsync();

        var writer = await Assert.ThrowsAsync<ArgumentException>(() => shard.OpenWriterAsync(id));
        Assert.Equal("writerId", writer.ParamName);
        Assert.StartsWith($"Id '{id}' is refused: {reason}.", writer.Message, StringComparison.Ordinal);
        var reader = await Assert.ThrowsAsync<ArgumentException>(() => shard.OpenReaderAsync(id));
        Assert.Equal("readerId", reader.ParamName);
        Assert.Equal(ShardStateCodec.Encode(before), ShardStateCodec.Encode(await kit.StateAsync()));
    }

    [Theory]
    [InlineData("\uD83D\uDE00 writer")]
    [InlineData("writer \uD83D\uDE00")]
    [InlineData("ü")]
    public async Task Ids_up_to_200_characters_with_paired_surrogates_are_accepted(string id)
    {
        var kit = new ShardTestKit();
        var shard = await kit.OpenAsync();
        var longest = id + new string('w', ShardNames.MaxHolderIdLength - id.Length);

        await using var writer = await shard.OpenWriterAsync(id);
        await using var other = await shard.OpenWriterAsync(longest);
        Assert.Equal([id, longest], (await kit.StateAsync()).Leases.Select(l => l.HolderId));
    }

    [Theory]
    [InlineData(nameof(ShardOptions.LeaseDuration))]
    [InlineData(nameof(ShardOptions.HeartbeatInterval))]
    [InlineData(nameof(ShardOptions.ListenPollInterval))]
    public async Task A_zero_interval_is_refused_naming_the_option(string option)
    {
        var kit = new ShardTestKit();
        var options = new ShardOptions
        {
            LeaseDuration = option == nameof(ShardOptions.LeaseDuration) ? TimeSpan.Zero : TimeSpan.FromSeconds(30),
            HeartbeatInterval = option == nameof(ShardOptions.HeartbeatInterval) ? TimeSpan.Zero : TimeSpan.FromSeconds(10),
            ListenPollInterval = option == nameof(ShardOptions.ListenPollInterval) ? TimeSpan.Zero : TimeSpan.FromSeconds(1),
        };

        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, options));
        Assert.Equal(option, refused.ParamName);
        Assert.Equal(TimeSpan.Zero, refused.ActualValue);
        Assert.StartsWith($"{option} must be positive.", refused.Message, StringComparison.Ordinal);
        Assert.Null(await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)));
    }

    // Keyed by what is wrong, so that each case reads as its own test name.
    private static readonly Dictionary<string, (string Option, Func<ShardOptions> Options)> InvalidOptionCases = new()
    {
        ["no time provider"] = (nameof(ShardOptions.TimeProvider), () => new() { TimeProvider = null! }),
        ["no part write options"] = (nameof(ShardOptions.PartWriteOptions), () => new() { PartWriteOptions = null! }),
        ["no part read options"] = (nameof(ShardOptions.PartReadOptions), () => new() { PartReadOptions = null! }),
        ["a part read limit below 16 bytes a page"] = (nameof(ParquetReadOptions.MaxPageBytes), () => new() { PartReadOptions = new() { MaxPageBytes = 15 } }),
        ["a heartbeat as long as the lease"] = (nameof(ShardOptions.HeartbeatInterval), () => new() { HeartbeatInterval = new ShardOptions().LeaseDuration }),
        ["no attempt"] = (nameof(ShardOptions.MaxAttempts), () => new() { MaxAttempts = 0 }),
        ["no contended round"] = (nameof(ShardOptions.MaxContendedRounds), () => new() { MaxContendedRounds = 0 }),
        ["a negative initial backoff"] = (nameof(ShardOptions.InitialBackoff), () => new() { InitialBackoff = TimeSpan.FromTicks(-1) }),
        ["a maximum backoff below the initial"] = (nameof(ShardOptions.MaxBackoff), () => new() { InitialBackoff = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromSeconds(1) }),
        ["a state limit below 1 KiB"] = (nameof(ShardOptions.MaxStateBytes), () => new() { MaxStateBytes = 1023 }),
        ["a state limit above a consensus value"] = (nameof(ShardOptions.MaxStateBytes), () => new() { MaxStateBytes = ConsensusLimits.MaxDataBytes + 1 }),
        ["no lease"] = (nameof(ShardOptions.MaxLeases), () => new() { MaxLeases = 0 }),
        ["no writer registration"] = (nameof(ShardOptions.MaxWriterRegistrations), () => new() { MaxWriterRegistrations = 0 }),
        ["no part byte"] = (nameof(ShardOptions.MaxPartBytes), () => new() { MaxPartBytes = 0 }),
    };

    public static TheoryData<string> InvalidOptions => [.. InvalidOptionCases.Keys];

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task An_option_out_of_its_range_is_refused_by_name_before_anything_is_written(string invalid)
    {
        var kit = new ShardTestKit();
        var (option, options) = InvalidOptionCases[invalid];

        var refused = await Assert.ThrowsAnyAsync<ArgumentException>(() => Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, options()));

        Assert.Equal(option, refused.ParamName);
        Assert.Null(await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)));
    }

    [Fact]
    public async Task A_heartbeat_as_long_as_the_lease_is_refused_saying_what_would_happen()
    {
        var kit = new ShardTestKit();
        var (_, options) = InvalidOptionCases["a heartbeat as long as the lease"];

        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, options()));

        Assert.StartsWith("The heartbeat interval must be shorter than the lease duration, or leases expire between heartbeats.", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new ShardOptions().LeaseDuration, refused.ActualValue);
    }

    [Fact]
    public async Task The_limits_themselves_are_accepted()
    {
        var kit = new ShardTestKit();
        var options = new ShardOptions
        {
            TimeProvider = kit.Time,
            HeartbeatInterval = new ShardOptions().LeaseDuration - TimeSpan.FromTicks(1),
            MaxAttempts = 1,
            MaxContendedRounds = 1,
            InitialBackoff = TimeSpan.Zero,
            MaxBackoff = TimeSpan.Zero,
            MaxStateBytes = ConsensusLimits.MaxDataBytes,
            MaxLeases = 1,
            MaxWriterRegistrations = 1,
            MaxPartBytes = 1,
        };

        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, options);

        Assert.Equal(0, shard.Upper);
        Assert.NotNull(await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)));
    }

    [Fact]
    public async Task Opening_needs_a_valid_id_a_consensus_and_a_blob_store()
    {
        var kit = new ShardTestKit();

        Assert.Equal("shardId", (await Assert.ThrowsAsync<ArgumentException>(() => Shard<Edge>.OpenAsync("../up", kit.Recording, kit.Blob, kit.Options()))).ParamName);
        Assert.Equal("consensus", (await Assert.ThrowsAsync<ArgumentNullException>(() => Shard<Edge>.OpenAsync(ShardId, null!, kit.Blob, kit.Options()))).ParamName);
        Assert.Equal("blob", (await Assert.ThrowsAsync<ArgumentNullException>(() => Shard<Edge>.OpenAsync(ShardId, kit.Recording, null!, kit.Options()))).ParamName);
        Assert.Null(await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)));
    }

    [Fact]
    public async Task A_lease_past_MaxLeases_is_refused_and_the_leases_held_stay()
    {
        var kit = new ShardTestKit();
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, kit.Options(limits: new ShardLimits(Leases: 2)));
        await using var writer = await shard.OpenWriterAsync("w");
        await using var reader = await shard.OpenReaderAsync("r");

        var refused = await Assert.ThrowsAsync<ShardException>(() => shard.OpenWriterAsync("third"));
        Assert.Equal(
            $"Shard '{ShardId}' already has 2 leases (ShardOptions.MaxLeases); close unused writers and readers or let their leases expire.",
            refused.Message);
        Assert.Equal(["w", "r"], (await kit.StateAsync()).Leases.Select(l => l.HolderId));

        // A new handle of a writer that holds a lease replaces that lease: it is not one more.
        await using var again = await shard.OpenWriterAsync("w");
        Assert.Equal(2, (await kit.StateAsync()).Leases.Count);
    }

    [Fact]
    public async Task Registrations_past_the_limit_drop_the_oldest_of_writers_without_a_lease_never_a_leased_one()
    {
        var kit = new ShardTestKit();
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, kit.Options(limits: new ShardLimits(WriterRegistrations: 2)));
        var upper = 0L;

        // "oldest" keeps its lease; "older" gives its lease back. Both registered before "new" appends.
        var oldest = await shard.OpenWriterAsync("oldest");
        Assert.True((await oldest.CompareAndAppendAsync(Batch("a", upper), upper, ++upper, Guid.NewGuid())).IsCommitted);
        await using (var older = await shard.OpenWriterAsync("older"))
        {
            Assert.True((await older.CompareAndAppendAsync(Batch("b", upper), upper, ++upper, Guid.NewGuid())).IsCommitted);
        }

        await using (var newer = await shard.OpenWriterAsync("new"))
        {
            Assert.True((await newer.CompareAndAppendAsync(Batch("c", upper), upper, ++upper, Guid.NewGuid())).IsCommitted);
        }

        Assert.Equal(["oldest", "new"], (await kit.StateAsync()).Writers.Select(w => w.WriterId));

        // Once "oldest" has no lease either, the next registration past the limit drops it: it is now the oldest unleased.
        await oldest.DisposeAsync();
        await using var last = await shard.OpenWriterAsync("last");
        Assert.True((await last.CompareAndAppendAsync(Batch("d", upper), upper, ++upper, Guid.NewGuid())).IsCommitted);
        Assert.Equal(["new", "last"], (await kit.StateAsync()).Writers.Select(w => w.WriterId));
    }

    [Fact]
    public async Task A_state_that_would_pass_MaxStateBytes_is_refused_before_it_is_written()
    {
        var kit = new ShardTestKit();
        var shard = await Shard<Edge>.OpenAsync(ShardId, kit.Recording, kit.Blob, kit.Options(limits: new ShardLimits(StateBytes: 1024)));
        var writers = new List<ShardWriter<Edge>>();
        ShardException? refused = null;
        for (var i = 0; refused is null; i++)
        {
            Assert.True(i < 10, "1024 bytes of state should not hold ten 200-character writer leases");
            var before = await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId));
            try
            {
                writers.Add(await shard.OpenWriterAsync(i + new string('w', 199)));
            }
            catch (ShardException e)
            {
                refused = e;
                Assert.Equal(before, await kit.Memory.HeadAsync(ShardNames.ConsensusKey(ShardId)));
            }
        }

        Assert.NotEmpty(writers);
        var match = Regex.Match(refused.Message, @"^Shard 'edges-1': the next state has (\d+) bytes, more than MaxStateBytes \(1024\); compact the shard or raise the limit\.$");
        Assert.True(match.Success, refused.Message);
        Assert.True(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 1024);
        Assert.Equal(writers.Count, (await kit.StateAsync()).Leases.Count);
        foreach (var writer in writers)
        {
            await writer.DisposeAsync();
        }
    }
}
