using Bulwark.Checkpoints;
using Bulwark.Serialization;
using Bulwark.Storage;
using Bulwark.Testing;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static Bulwark.Runtime.Tests.Checkpoints.CheckpointTestKit;

namespace Bulwark.Runtime.Tests.Checkpoints;

[CheckpointState]
public sealed partial class CrawlState
{
    [Id(1)]
    public Dictionary<string, long> Visits { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public List<string> Queue { get; set; } = [];

    [Id(3)]
    public long Version { get; set; }

    public bool SameAs(CrawlState other) =>
        Version == other.Version && Queue.SequenceEqual(other.Queue)
        && Visits.Count == other.Visits.Count && Visits.All(p => other.Visits.TryGetValue(p.Key, out var v) && v == p.Value);
}

/// <summary>
/// Issue 3's corruption sweep, FsCheck-driven, over a store holding real generated states: any truncation, bit flip or
/// overwrite of any file gives a typed error (checkpoint or state-format) or restores exactly the committed states —
/// never another exception — and opening plus restoring never allocates more than a small multiple of the store's size.
/// </summary>
public sealed class CorruptionPropertyTests
{
    private enum Damage
    {
        Truncate,
        FlipBit,
        Overwrite,
    }

    [Fact]
    public void AnyDamageToAnyFileIsATypedErrorOrTheCommittedStateWithBoundedAllocation()
    {
        var (pristine, expected) = BuildStore();
        var files = pristine.Files.Keys.Order(StringComparer.Ordinal).ToArray();
        var storeBytes = pristine.Files.Values.Sum(f => (long)f.Length);
        var allocationBound = (64 * storeBytes) + (1 << 20);

        var damage = Gen.Elements(files)
            .SelectMany(path => Gen.Elements(Damage.Truncate, Damage.FlipBit, Damage.Overwrite)
                .SelectMany(kind => Gen.Choose(0, int.MaxValue)
                    .SelectMany(position => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
                        .Select(noise => (path, kind, position, noise)))));

        var outcomes = new int[2];
        Prop.ForAll(damage.ToArbitrary(), input =>
        {
            var (path, kind, position, noise) = input;
            var good = pristine.Files[path];
            var bad = kind switch
            {
                Damage.Truncate => good[..(position % good.Length)],
                Damage.FlipBit => FlipBit(good, position),
                _ => noise.Length == 0 ? [0] : noise,
            };

            var backend = CrashSimulatingBackend.FromState(pristine);
            WriteRawAsync(backend, path, bad).GetAwaiter().GetResult();

            var before = GC.GetAllocatedBytesForCurrentThread();
            var restoredAll = OpenAndRestore(backend, expected, out var error);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.True(allocated <= allocationBound, $"{kind} of '{path}' allocated {allocated} bytes for a {storeBytes}-byte store");
            if (error is not null)
            {
                Assert.True(
                    error is CheckpointException or CheckpointFormatException,
                    $"{kind} of '{path}' raised {error.GetType().Name}: {error.Message}");
                outcomes[1]++;
            }
            else
            {
                Assert.True(restoredAll, $"{kind} of '{path}' restored a state that differs from the committed one");
                outcomes[0]++;
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(600));

        Assert.True(outcomes[1] > 0, "no damage was detected at all: the sweep is not reaching the files");
    }

    private static bool OpenAndRestore(CrashSimulatingBackend backend, Dictionary<Guid, CrawlState> expected, out Exception? error)
    {
        error = null;
        try
        {
            var checkpointer = Checkpointer.OpenAsync(backend).AsTask().GetAwaiter().GetResult();
            try
            {
                foreach (var info in checkpointer.Checkpoints)
                {
                    var restored = checkpointer.RestoreAsync(info.Id).AsTask().GetAwaiter().GetResult();
                    if (!restored.TryGetState<CrawlState>("crawl", out var state) || !state.SameAs(expected[info.Id]))
                    {
                        return false;
                    }
                }
            }
            finally
            {
                checkpointer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception e)
        {
            error = e;
        }

        return true;
    }

    private static (CrashState Pristine, Dictionary<Guid, CrawlState> Expected) BuildStore()
    {
        var (crash, _, checkpointer) = NewStoreAsync().GetAwaiter().GetResult();
        var expected = new Dictionary<Guid, CrawlState>();
        var state = new CrawlState { Version = 1 };
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 40; i++)
            {
                state.Visits[$"https://host{i % 7}.example/{round}/{i}"] = (round * 1000) + i;
            }

            state.Queue.Add($"https://next.example/{round}");
            state.Version++;
            var draft = checkpointer.CreateDraft().SetState("crawl", state).AddSharedFile($"batch-{round}.arrow", Bytes($"batch {round} " + new string('x', 64 * round)));
            for (var earlier = 0; earlier < round; earlier++)
            {
                draft.ReferenceSharedFile($"batch-{earlier}.arrow");
            }

            var info = checkpointer.CommitAsync(draft).AsTask().GetAwaiter().GetResult();
            expected[info.Id] = CheckpointSerializer.Deserialize<CrawlState>(CheckpointSerializer.Serialize(state), "copy");
        }

        checkpointer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return (crash.Crash(), expected);
    }

    private static byte[] FlipBit(byte[] good, int position)
    {
        var copy = good.ToArray();
        var bit = position % (copy.Length * 8);
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}
