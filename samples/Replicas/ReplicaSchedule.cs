namespace Replicas;

/// <summary>The two replicas.</summary>
public enum Replica
{
    A,
    B,
}

/// <summary>
/// One call sequence of one replica: push its source from its input frontier up to <paramref name="DeliverTo"/>, then
/// <c>AdvanceInputAsync(DeliverTo)</c>. A <paramref name="DeliverTo"/> equal to its input frontier pushes nothing: that
/// is how a replica whose input has stopped follows the shard.
/// </summary>
public readonly record struct Move(Replica Replica, long DeliverTo);

/// <summary>One step of the schedule: the newest source time anyone has been handed, and the moves, in order.</summary>
public sealed record PlannedStep(long Time, string Phase, IReadOnlyList<Move> Moves);

/// <summary>
/// The fixed schedule of the sample over 20 ticks. The replicas run one call at a time, so the replica that calls first
/// for an interval wins its compare-and-append and the other, which computed the same interval, loses and reads the
/// winner's updates back. The order in lockstep comes from the seed; the rest is fixed:
/// <list type="number">
/// <item>ticks 0-5, lockstep: both get each tick, the first to call wins;</item>
/// <item>ticks 6-8, B stalls: A alone;</item>
/// <item>ticks 9-13, B lags three ticks behind A: it loses once, then its output keeps up with the shard although its input is behind;</item>
/// <item>ticks 14-19, A pauses: B catches up on its input and writes the rest;</item>
/// <item>A resumes: first with no new input (it follows the shard by advancing to the frontier it already had), then its backlog, all of it below the upper.</item>
/// </list>
/// </summary>
public static class ReplicaSchedule
{
    public const int Ticks = 20;

    public static IReadOnlyList<PlannedStep> Create(int seed)
    {
        var coin = new Random(seed + 1);
        var steps = new List<PlannedStep>();
        for (var t = 0L; t < 6; t++)
        {
            var (first, second) = coin.Next(2) == 0 ? (Replica.A, Replica.B) : (Replica.B, Replica.A);
            steps.Add(new PlannedStep(t, "lockstep", [new Move(first, t + 1), new Move(second, t + 1)]));
        }

        for (var t = 6L; t < 9; t++)
        {
            steps.Add(new PlannedStep(t, "B stalls", [new Move(Replica.A, t + 1)]));
        }

        for (var t = 9L; t < 14; t++)
        {
            steps.Add(new PlannedStep(t, "B lags 3", [new Move(Replica.A, t + 1), new Move(Replica.B, t - 2)]));
        }

        for (var t = 14L; t < Ticks; t++)
        {
            steps.Add(new PlannedStep(t, "A pauses", [new Move(Replica.B, t + 1)]));
        }

        steps.Add(new PlannedStep(Ticks - 1, "A resumes", [new Move(Replica.A, 14)]));
        steps.Add(new PlannedStep(Ticks - 1, "A backlog", [new Move(Replica.A, Ticks)]));
        return steps;
    }
}
