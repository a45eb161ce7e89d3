using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using Xunit.Abstractions;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// Every file of a committed store — catalog, manifests, state files, shared files — truncated and bit-flipped: the
/// store either opens and restores exactly the committed bytes, or reports a typed checkpoint error. Never an
/// unhandled exception, never different bytes, and a refused open deletes nothing.
/// </summary>
public sealed class CorruptionSweepTests
{
    private readonly ITestOutputHelper _output;

    public CorruptionSweepTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task TruncationsAndBitFlipsOfEveryFileGiveATypedErrorOrTheCommittedBytes()
    {
        var (crash, _, checkpointer) = await NewStoreAsync();
        var expected = new Dictionary<Guid, Dictionary<string, byte[]>>();
        var c1 = await checkpointer.CommitAsync(new CheckpointDraft().SetState("counts", Bytes("counts one")).SetState("offsets", Bytes("offsets one")).AddSharedFile("b1.arrow", Bytes("batch number one")));
        expected[c1.Id] = new() { ["state:counts"] = Bytes("counts one"), ["state:offsets"] = Bytes("offsets one"), ["shared:b1.arrow"] = Bytes("batch number one") };
        var c2 = await checkpointer.CommitAsync(new CheckpointDraft().SetState("counts", Bytes("counts two")).ReferenceSharedFile("b1.arrow").AddSharedFile("b2.arrow", Bytes("batch number two")));
        expected[c2.Id] = new() { ["state:counts"] = Bytes("counts two"), ["shared:b1.arrow"] = Bytes("batch number one"), ["shared:b2.arrow"] = Bytes("batch number two") };
        var pristine = crash.Crash();

        var random = new Random(7);
        var cases = 0;
        var typed = 0;
        foreach (var (path, good) in pristine.Files)
        {
            var variants = new List<byte[]>();
            foreach (var cut in new[] { 0, 1, good.Length / 3, good.Length / 2, good.Length - 1 })
            {
                variants.Add(good[..Math.Max(0, cut)]);
            }

            for (var i = 0; i < 25; i++)
            {
                var flipped = good.ToArray();
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                variants.Add(flipped);
            }

            foreach (var bytes in variants)
            {
                cases++;
                var backend = CrashSimulatingBackend.FromState(pristine);
                await WriteRawAsync(backend, path, bytes);
                var before = ContentKey(backend);
                try
                {
                    await using var reopened = await Checkpointer.OpenAsync(backend);
                    foreach (var damaged in reopened.DamagedCheckpoints.Keys)
                    {
                        // A damaged catalogued checkpoint no longer blocks the open; restoring it is the typed error.
                        await Assert.ThrowsAsync<CheckpointCorruptException>(async () => await reopened.RestoreAsync(damaged));
                        Assert.Equal(before, ContentKey(backend));
                        typed++;
                    }

                    foreach (var info in reopened.Checkpoints.Where(c => !reopened.DamagedCheckpoints.ContainsKey(c.Id)))
                    {
                        Assert.True(expected.TryGetValue(info.Id, out var want), $"{path}: an unknown checkpoint appeared");
                        var restored = await reopened.RestoreAsync(info.Id);
                        foreach (var op in restored.OperatorIds)
                        {
                            restored.TryGetState(op, out var state);
                            Assert.Equal(want!["state:" + op], state.ToArray());
                        }

                        foreach (var shared in restored.SharedFiles)
                        {
                            Assert.Equal(want!["shared:" + shared.Path], await restored.ReadSharedFileAsync(shared.Path));
                        }

                        Assert.Equal(want!.Count, restored.OperatorIds.Count + restored.SharedFiles.Count);
                    }
                }
                catch (CheckpointException)
                {
                    typed++;
                    Assert.Equal(before, ContentKey(backend));
                }
            }
        }

        _output.WriteLine($"{cases} corrupted stores, {typed} typed errors, the rest restored the committed bytes");
        Assert.True(typed > cases / 2);
    }
}
