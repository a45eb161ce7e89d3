using System.Globalization;
using Bulwark.Upsert;
using Xunit;

namespace Bulwark.Shards.PostgreSql.Tests.Upsert;

/// <summary>One <c>step</c> line: the replica pushed <c>[From, To)</c>, then AdvanceInputAsync(To) left <c>Output</c>; the shard's upper was read just before and just after.</summary>
internal sealed record ReplicaStep(long From, long To, long Output, long UpperBefore, long UpperAfter);

/// <summary>What one replica process's run of the shard and source looks like.</summary>
internal sealed record ReplicaRun(string ConnectionString, string BlobDirectory, string ShardId, int Seed, int Keys, long Times);

/// <summary>
/// One <c>Bulwark.Tests.UpsertWorker replica</c> process (tests/Workers), its lines parsed as they are read. Any
/// <c>error</c> line fails the test at once with the transcript.
/// </summary>
internal sealed class UpsertReplica : IAsyncDisposable
{
    private readonly LineProcess _process;
    private readonly List<ReplicaStep> _steps = [];

    private UpsertReplica(LineProcess process, string writerId)
    {
        _process = process;
        WriterId = writerId;
    }

    public string WriterId { get; }

    public int Pid => _process.Pid;

    /// <summary>How the operator started and its output frontier then; null until the <c>opened</c> line.</summary>
    public (UpsertStart From, long Output)? Opened { get; private set; }

    public IReadOnlyList<ReplicaStep> Steps => _steps;

    /// <summary>The <c>state</c> line: the operator's row per key at the end.</summary>
    public IReadOnlyDictionary<long, string>? State { get; private set; }

    /// <summary>The <c>counts</c> line: the operator's counters by "appends.outcome" and "inputs.outcome" (absent: 0).</summary>
    public IReadOnlyDictionary<string, long>? Counts { get; private set; }

    /// <summary>The <c>done</c> line: output frontier and the shard's upper after the last call.</summary>
    public (long Output, long Upper)? Done { get; private set; }

    public long? PausedAt { get; private set; }

    public string Transcript => _process.Transcript;

    /// <param name="cold">Read the source from time 0 rather than from the output frontier at open.</param>
    /// <param name="pauseAt">Input times at which to stop until <see cref="ResumeAsync"/>.</param>
    public static UpsertReplica Start(ReplicaRun run, string writerId, bool cold = false, params long[] pauseAt)
    {
        string[] arguments =
        [
            "replica",
            "--pg", run.ConnectionString,
            "--blob", run.BlobDirectory,
            "--shard", run.ShardId,
            "--writer", writerId,
            "--seed", run.Seed.ToString(CultureInfo.InvariantCulture),
            "--keys", run.Keys.ToString(CultureInfo.InvariantCulture),
            "--times", run.Times.ToString(CultureInfo.InvariantCulture),
            "--from", cold ? "cold" : "frontier",
            .. pauseAt.Length > 0 ? ["--pause-at", string.Join(',', pauseAt.Select(t => t.ToString(CultureInfo.InvariantCulture)))] : Array.Empty<string>(),
        ];
        return new UpsertReplica(LineProcess.Start("Bulwark.Tests.UpsertWorker.dll", $"replica '{writerId}'", arguments), writerId);
    }

    /// <summary>Reads lines until <paramref name="until"/> holds after one of them; fails if the output ends first.</summary>
    public async Task ReadUntilAsync(Func<UpsertReplica, bool> until)
    {
        while (!until(this))
        {
            if (await _process.NextLineOrEndAsync() is not { } line)
            {
                var code = await _process.WaitForExitAsync();
                Assert.Fail($"The replica ended its output (exit code {code}) while more was expected.\n{Transcript}");
                return;
            }

            Record(line);
        }
    }

    public Task WaitUntilOpenedAsync() => ReadUntilAsync(r => r.Opened is not null);

    public Task WaitUntilPausedAsync(long time) => ReadUntilAsync(r => r.PausedAt == time);

    public long Count(string counter) => Counts?.GetValueOrDefault(counter) ?? 0;

    public async Task ResumeAsync()
    {
        Assert.NotNull(PausedAt);
        PausedAt = null;
        await _process.SendLineAsync("go");
    }

    /// <summary>Reads the rest of the output and asserts a clean exit after the <c>done</c> line.</summary>
    public async Task RunToEndAsync()
    {
        while (await _process.NextLineOrEndAsync() is { } line)
        {
            Record(line);
        }

        Assert.True(await _process.WaitForExitAsync() == 0 && Done is not null, $"The replica did not finish cleanly.\n{Transcript}");
    }

    /// <summary>SIGKILL, then records what it had printed before it died.</summary>
    public async Task KillAsync()
    {
        foreach (var line in await _process.KillAsync())
        {
            Record(line);
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private void Record(string line)
    {
        Assert.False(line.StartsWith("error ", StringComparison.Ordinal), $"The replica reported an error.\n{Transcript}");
        var parts = line.Split(' ');
        switch (parts[0])
        {
            case "opened" when parts.Length == 4:
                Assert.Equal(Pid, int.Parse(parts[1], CultureInfo.InvariantCulture));
                Opened = (Enum.Parse<UpsertStart>(parts[2]), long.Parse(parts[3], CultureInfo.InvariantCulture));
                break;
            case "step" when parts.Length == 6:
                var n = parts[1..].Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
                _steps.Add(new ReplicaStep(n[0], n[1], n[2], n[3], n[4]));
                break;
            case "paused" when parts.Length == 2:
                PausedAt = long.Parse(parts[1], CultureInfo.InvariantCulture);
                break;
            case "state":
                State = parts[1..].Select(p => p.Split('=')).ToDictionary(kv => long.Parse(kv[0], CultureInfo.InvariantCulture), kv => kv[1]);
                break;
            case "counts":
                Counts = parts[1..].Select(p => p.Split('=')).ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
                break;
            case "done" when parts.Length == 3:
                Done = (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
                break;
            default:
                Assert.Fail($"The replica printed a line this test does not know: '{line}'.\n{Transcript}");
                break;
        }
    }
}
