using System.Collections.Concurrent;
using System.Diagnostics;
using Bulwark.Checkpoints;
using Bulwark.Storage;
using Bulwark.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Bulwark.Runtime.Tests.Checkpoints;

/// <summary>
/// The ALICE / CrashMonkey method: record the storage trace of a checkpoint workload, build every crash state a disk
/// could be left in at every point of it, re-open the store on each, and check that it recovers to exactly the last
/// checkpoint list whose commit point was reached (or the outcome of the call in flight) with every byte intact.
/// </summary>
public sealed class CrashSweepTests
{
    private readonly ITestOutputHelper _output;

    public CrashSweepTests(ITestOutputHelper output) => _output = output;

    /// <summary>The floor of distinct crash states under <see cref="SweepSize.Reduced"/>.</summary>
    private const int ReducedMinimum = 1_000;

    [Fact]
    public async Task EveryCrashStateOfTheWorkloadRecoversToACommittedCheckpoint()
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await SweepAsync(new CheckpointerOptions(), stopAtFirstViolation: false, workloads: SweepSize.Pick<(int, int)[]>([(11, 2), (23, 4), (37, 6), (41, 8)], [(11, 2)]));
        stopwatch.Stop();

        _output.WriteLine($"crash states checked: {result.States} distinct ({string.Join(", ", result.ByCategory.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))})");
        _output.WriteLine($"trace operations: {result.TraceOperations}; {SweepSize.Describe}; sweep time {stopwatch.Elapsed.TotalSeconds:F1} s");
        foreach (var violation in result.Violations.Take(10))
        {
            _output.WriteLine(violation);
        }

        Assert.Empty(result.Violations);
        Assert.True(result.States >= SweepSize.Pick(10_000, ReducedMinimum), $"only {result.States} crash states were built");
    }

    [Theory]
    [InlineData(ProtocolDeviation.SkipRootSyncBeforeCatalog)]
    [InlineData(ProtocolDeviation.SkipCheckpointDirectorySync)]
    [InlineData(ProtocolDeviation.DeleteBeforeCatalogDurable)]
    internal async Task NegativeControlTheSweepCatchesAProtocolWithABarrierRemoved(ProtocolDeviation deviation)
    {
        var result = await SweepAsync(new CheckpointerOptions { Deviations = deviation }, stopAtFirstViolation: true, workloads: [(11, 2)]);

        _output.WriteLine($"{deviation}: {result.Violations.Count} violation(s) after {result.States} states; first: {result.Violations.FirstOrDefault()}");
        Assert.NotEmpty(result.Violations);
    }

    /// <summary>Every subset of up to ten unfenced changes: a commit of six operators leaves nine pending before its barrier.</summary>
    private static readonly CrashEnumerationOptions Enumeration = new() { ExhaustiveSubsetLimit = 11 };

    /// <summary>Every this many crash states, recovery itself is crashed at every point of its own trace.</summary>
    private const int NestedEvery = 1;

    internal static async Task<SweepResult> SweepAsync(CheckpointerOptions options, bool stopAtFirstViolation, (int Seed, int Operators)[] workloads)
    {
        var violations = new ConcurrentQueue<string>();
        var byCategory = new ConcurrentDictionary<string, int>();
        var states = 0;
        var nested = 0;
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var traceOperations = 0;
        foreach (var (seed, operators) in workloads)
        {
            var workload = await CheckpointWorkload.RunStandardAsync(seed, operators, options);
            var trace = workload.Crash.Trace;
            traceOperations += trace.Count;
            var crashStates = CrashSimulatingBackend.EnumerateCrashStates(CrashState.Empty, trace, Enumeration).ToList();
            crashStates.RemoveAll(state => !seen.TryAdd(state.Key, true));
            states += crashStates.Count;
            using var stop = new CancellationTokenSource();
            try
            {
                await Parallel.ForEachAsync(
                    crashStates.Select((state, index) => (state, index)),
                    new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = stop.Token },
                    async (item, _) =>
                    {
                        byCategory.AddOrUpdate(Category(item.state.Description), 1, (_, n) => n + 1);
                        var problem = await RecoveryOracle.CheckAsync(item.state, workload.Calls, workload.Expected, continueAfterRecovery: item.index % 25 == 0);
                        if (problem is null && item.index % NestedEvery == 0)
                        {
                            var (nestedStates, nestedProblem) = await NestedRecoveryOracle.CheckAsync(item.state, seen);
                            Interlocked.Add(ref nested, nestedStates);
                            byCategory.AddOrUpdate("crash during recovery", nestedStates, (_, n) => n + nestedStates);
                            problem = nestedProblem;
                        }

                        if (problem is not null)
                        {
                            violations.Enqueue($"[{item.state.Description}] {problem}");
                            if (stopAtFirstViolation)
                            {
                                await stop.CancelAsync();
                            }
                        }
                    });
            }
            catch (OperationCanceledException) when (stopAtFirstViolation)
            {
                break;
            }
        }

        return new SweepResult(states + nested, traceOperations, violations.ToList(), byCategory.ToDictionary());
    }

    private static string Category(string description)
    {
        var label = description[(description.IndexOf(':') + 2)..];
        return label switch
        {
            _ when label.StartsWith("torn", StringComparison.Ordinal) => "torn write",
            _ when label.StartsWith("lost", StringComparison.Ordinal) || label.StartsWith("only", StringComparison.Ordinal) => "ordering",
            _ when label.StartsWith("pending subset", StringComparison.Ordinal) => "pending subset",
            "unsynced dropped" => "prefix, unsynced dropped",
            "everything persisted" => "prefix, everything persisted",
            _ => label,
        };
    }

    internal sealed record SweepResult(int States, int TraceOperations, List<string> Violations, Dictionary<string, int> ByCategory);
}
