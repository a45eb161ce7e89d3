using System.Collections.Concurrent;
using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>
/// A visit's rows of a table are read back in the order it appended them, also when its appends ran on different
/// threads: the controller caches rows in one shared builder per thread and regroups them visit by visit at the cut,
/// so a visit whose continuation hops from one thread to another and back must not have its rows regrouped out of
/// order. Threads are chosen by the builder they map to, so the hops are exact, not left to the scheduler.
/// </summary>
public sealed class IngestAppendOrderTests
{
    [Fact]
    public async Task AVisitThatHopsBetweenThreadsAndBackReadsBackInAppendOrder()
    {
        await using var h = await IngestHarness.OpenAsync();
        using var first = new DedicatedThread();
        using var second = await DedicatedThread.WithOtherShardThanAsync(first);

        // The kill soak's shape: row 0 on one thread, rows 1 and 2 on another, row 3 back on the first, whose builder
        // still ends with the visit's row 0; then more hops, with another visit appending on the first thread between.
        var visit = h.Controller.StartVisit(7);
        var other = h.Controller.StartVisit(3);
        var hops = new[] { first, second, second, first, first, second, first };
        for (var i = 0; i < hops.Length; i++)
        {
            var row = i;
            await hops[i].RunAsync(() => AppendNow(visit, new PageRow(7, $"https://example.org/7/{row}", 200)));
            if (i == 4)
            {
                await first.RunAsync(() => AppendNow(other, new PageRow(3, "https://example.org/3/0", 200)));
            }
        }

        var outcomes = new[] { visit.FinalizeAsync(true), other.FinalizeAsync(true) };
        await h.RunUntilAsync(() => outcomes.All(o => o.IsCompleted));
        Assert.All(await Task.WhenAll(outcomes), o => Assert.Equal(VisitState.Committed, o.State));

        // One part, each visit one segment (ascending id), the visit's rows in the order it appended them.
        Assert.Equal(
            ["https://example.org/3/0", .. Enumerable.Range(0, hops.Length).Select(i => $"https://example.org/7/{i}")],
            (await h.ReadAsync<PageRow>()).Select(r => r.Url));
        var dataset = await IngestDataset.OpenAsync(h.Storage);
        var part = Assert.Single(dataset.Commits.SelectMany(c => c.Files), f => f.Table == "pages");
        Assert.Equal([(3L, 1), (7L, hops.Length)], part.Visits.Select(v => (v.VisitId, v.Rows)));
    }

    /// <summary>Appends on the calling thread: with room in the cache the append completes before it returns.</summary>
    private static void AppendNow(IngestVisit visit, PageRow row)
    {
        var append = visit.AppendAsync(row);
        Assert.True(append.IsCompletedSuccessfully, "the append waited: it did not run on the chosen thread");
        append.GetAwaiter().GetResult();
    }

    /// <summary>One thread that runs the actions it is given, in turn, so that a test decides which thread appends.</summary>
    private sealed class DedicatedThread : IDisposable
    {
        private readonly BlockingCollection<Action> _work = [];
        private readonly Thread _thread;

        public DedicatedThread()
        {
            _thread = new Thread(() =>
            {
                foreach (var action in _work.GetConsumingEnumerable())
                {
                    action();
                }
            })
            { IsBackground = true, Name = "append order test" };
            _thread.Start();
        }

        /// <summary>A new thread whose appends go to another shared builder than <paramref name="other"/>'s.</summary>
        public static async Task<DedicatedThread> WithOtherShardThanAsync(DedicatedThread other)
        {
            var shard = await other.RunAsync(() => ThreadShards.Current);
            while (true)
            {
                var thread = new DedicatedThread();
                if (await thread.RunAsync(() => ThreadShards.Current) != shard)
                {
                    return thread;
                }

                thread.Dispose();
            }
        }

        public Task RunAsync(Action action) => RunAsync(() =>
        {
            action();
            return true;
        });

        public Task<T> RunAsync<T>(Func<T> function)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                try
                {
                    done.SetResult(function());
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            });
            return done.Task;
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            _thread.Join();
            _work.Dispose();
        }
    }
}
