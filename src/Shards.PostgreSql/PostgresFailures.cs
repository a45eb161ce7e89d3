using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bulwark.Shards.PostgreSql;

/// <summary>
/// Sorts the errors of a statement into the outcomes <see cref="IConsensus"/> promises: definitely no effect
/// (<see cref="ConsensusException"/>, or the caller's own cancellation) or unknown (<see cref="IndeterminateConsensusException"/>).
/// </summary>
internal static class PostgresFailures
{
    /// <summary>
    /// The exception to throw for <paramref name="error"/> raised after a statement was handed to the connection, or
    /// null to let it propagate unchanged (a programming error, or a cancellation that provably took no effect).
    /// </summary>
    /// <param name="error">What the statement (or its connection) threw.</param>
    /// <param name="mutates">True for a compare-and-set or truncation, whose effect may be unknown; reads never are.</param>
    /// <param name="what">The operation, for the message.</param>
    /// <param name="ct">The caller's token: its own cancellation stays an <see cref="OperationCanceledException"/>.</param>
    public static Exception? AfterSending(Exception error, bool mutates, string what, CancellationToken ct)
    {
        switch (error)
        {
            // An ERROR aborts the statement's transaction: nothing it did is committed. (FATAL and PANIC end the
            // session instead, and can arrive after the commit, so they fall through to the unknown outcome below.)
            case PostgresException { InvariantSeverity: "ERROR" } rejected:
                return new ConsensusException($"{what} failed: {rejected.MessageText} (SQLSTATE {rejected.SqlState}).", rejected.IsTransient, rejected);

            // The server cancelled the statement at the caller's request, so the caller's exception stands as is.
            case OperationCanceledException { InnerException: PostgresException { InvariantSeverity: "ERROR" } } when ct.IsCancellationRequested:
                return null;

            case OperationCanceledException when ct.IsCancellationRequested && !mutates:
                return null;

            case NpgsqlException or IOException or SocketException or TimeoutException or OperationCanceledException:
                return mutates
                    ? new IndeterminateConsensusException($"{what} may or may not have taken effect: the connection failed after the statement was sent ({error.Message}).", error)
                    : new ConsensusException($"{what} failed: {error.Message}", isTransient: true, error);

            default:
                return null;
        }
    }

    /// <summary>The exception to throw when no connection could be opened: nothing was sent, so nothing happened.</summary>
    public static Exception? BeforeSending(Exception error, string what, CancellationToken ct) => error switch
    {
        OperationCanceledException when ct.IsCancellationRequested => null,
        PostgresException rejected => new ConsensusException($"{what} failed: the server refused the connection: {rejected.MessageText} (SQLSTATE {rejected.SqlState}).", rejected.IsTransient, rejected),
        NpgsqlException or IOException or SocketException or TimeoutException or OperationCanceledException
            => new ConsensusException($"{what} failed: cannot connect to PostgreSQL ({error.Message}).", isTransient: true, error),
        _ => null,
    };
}

internal static partial class PostgresConsensusLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Table 'consensus' is ready in {Store}")]
    public static partial void TableReady(ILogger logger, string store);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Committed entry {SeqNo} of key '{Key}' ({Bytes} bytes) in {Store}")]
    public static partial void Committed(ILogger logger, string key, long seqNo, int bytes, string store);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Compare-and-set of key '{Key}' expecting {Expected} found head {Head} in {Store}")]
    public static partial void Mismatch(ILogger logger, string key, long? expected, long? head, string store);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "{Operation} of key '{Key}' in {Store} has an unknown outcome")]
    public static partial void Indeterminate(ILogger logger, Exception exception, string operation, string key, string store);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "Truncated {Count} entries of key '{Key}' below {Below} in {Store}")]
    public static partial void Truncated(ILogger logger, string key, long count, long below, string store);
}

/// <summary>The <see cref="ConsensusMetrics"/> instruments, as the runtime's stores publish them, tagged store=postgresql.</summary>
internal sealed class PostgresInstruments
{
    private static readonly KeyValuePair<string, object?> StoreTag = new(ConsensusMetrics.StoreTag, "postgresql");
    private static readonly Lazy<PostgresInstruments> Shared = new(() => new PostgresInstruments(new Meter(ConsensusMetrics.MeterName)));

    private readonly Counter<long> compareAndSets;
    private readonly Counter<long> truncated;

    private PostgresInstruments(Meter meter)
    {
        compareAndSets = meter.CreateCounter<long>(ConsensusMetrics.CompareAndSets, "{call}", "compare-and-set calls by outcome");
        truncated = meter.CreateCounter<long>(ConsensusMetrics.EntriesTruncated, "{entry}", "consensus entries removed by truncation");
    }

    public static PostgresInstruments Create(IMeterFactory? meterFactory) =>
        meterFactory is null ? Shared.Value : new PostgresInstruments(meterFactory.Create(new MeterOptions(ConsensusMetrics.MeterName)));

    public void CompareAndSet(string outcome) => compareAndSets.Add(1, StoreTag, new KeyValuePair<string, object?>(ConsensusMetrics.OutcomeTag, outcome));

    public void Truncated(long entries)
    {
        if (entries > 0)
        {
            truncated.Add(entries, StoreTag);
        }
    }
}
