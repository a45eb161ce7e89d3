using Bulwark.Checkpoints;
using Bulwark.Serialization;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

[CheckpointState]
public sealed partial class SourceOffsets
{
    [Id(1)]
    public long Offset { get; set; }
}

/// <summary>Caller mistakes get answers that say what the mistake is, never a corruption report or a silent choice.</summary>
public sealed class MisuseTests
{
    [Fact]
    public async Task Asking_for_state_as_another_type_names_both_types_and_is_not_a_format_error()
    {
        var (_, _, checkpointer) = await NewStoreAsync();
        await using var owned = checkpointer;
        var crawl = new CrawlState { Version = 7 };
        await checkpointer.CommitAsync(new CheckpointDraft().SetState("crawl", crawl));
        var restored = await checkpointer.RestoreLatestAsync();
        Assert.NotNull(restored);

        var mismatch = Assert.Throws<CheckpointStateTypeMismatchException>(() => restored.TryGetState<SourceOffsets>("crawl", out _));
        Assert.Equal("crawl", mismatch.OperatorId);
        Assert.Equal(CrawlState.StateTypeName, mismatch.StoredType);
        Assert.Equal(SourceOffsets.StateTypeName, mismatch.RequestedType);
        Assert.Contains(CrawlState.StateTypeName, mismatch.Message, StringComparison.Ordinal);
        Assert.Contains(SourceOffsets.StateTypeName, mismatch.Message, StringComparison.Ordinal);

        Assert.True(restored.TryGetState<CrawlState>("crawl", out var back));
        Assert.Equal(7, back.Version);
        Assert.False(restored.TryGetState<SourceOffsets>("offsets", out _));
    }

    [Fact]
    public void A_format_error_is_a_checkpoint_exception()
    {
        var bytes = CheckpointSerializer.Serialize(new SourceOffsets { Offset = 42 });
        bytes[^1] ^= 0x01;
        CheckpointException caught = Assert.ThrowsAny<CheckpointException>(() => CheckpointSerializer.Deserialize<SourceOffsets>(bytes, "offsets.state"));
        var format = Assert.IsType<CheckpointFormatException>(caught);
        Assert.Equal("trailer.crc32c", format.FieldPath);
    }

    [Fact]
    public async Task Setting_an_operators_state_twice_is_refused_and_the_first_stays()
    {
        var draft = new CheckpointDraft().SetState("op", Bytes("first"));
        var error = Assert.Throws<ArgumentException>(() => draft.SetState("op", Bytes("second")));
        Assert.Contains("'op' already has state", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => draft.SetState("op", new SourceOffsets { Offset = 1 }));

        var (_, _, checkpointer) = await NewStoreAsync();
        await using var owned = checkpointer;
        await checkpointer.CommitAsync(draft);
        var restored = await checkpointer.RestoreLatestAsync();
        Assert.True(restored!.TryGetState("op", out var state));
        Assert.Equal(Bytes("first"), state.ToArray());
    }
}
