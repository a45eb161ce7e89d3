using Npgsql;
using Xunit;

namespace Bulwark.Shards.PostgreSql.Tests;

/// <summary>The sorting of statement failures into "took no effect" and "unknown", without a server.</summary>
public sealed class PostgresFailuresTests
{
    [Fact]
    public void AServerErrorRolledTheStatementBack()
    {
        var deadlock = new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected);
        var failure = Assert.IsType<ConsensusException>(PostgresFailures.AfterSending(deadlock, mutates: true, "CaS", CancellationToken.None));
        Assert.True(failure.IsTransient);
        Assert.Same(deadlock, failure.InnerException);

        var denied = new PostgresException("permission denied", "ERROR", "ERROR", PostgresErrorCodes.InsufficientPrivilege);
        Assert.False(Assert.IsType<ConsensusException>(PostgresFailures.AfterSending(denied, mutates: true, "CaS", CancellationToken.None)).IsTransient);
    }

    [Fact]
    public void ALostSessionOrConnectionAfterSendingIsUnknownForWritesOnly()
    {
        var terminated = new PostgresException("terminating connection", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown);
        var broken = new NpgsqlException("Exception while reading from stream", new IOException("reset"));
        var timeout = new NpgsqlException("timeout", new TimeoutException());
        foreach (var error in new Exception[] { terminated, broken, timeout, new OperationCanceledException() })
        {
            Assert.IsType<IndeterminateConsensusException>(PostgresFailures.AfterSending(error, mutates: true, "CaS", CancellationToken.None));
            Assert.IsType<ConsensusException>(PostgresFailures.AfterSending(error, mutates: false, "Head", CancellationToken.None));
        }
    }

    [Fact]
    public void TheCallersCancellationStandsWhenTheServerStoppedTheStatement()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var stopped = new OperationCanceledException("cancelled", new PostgresException("canceling statement", "ERROR", "ERROR", PostgresErrorCodes.QueryCanceled));
        Assert.Null(PostgresFailures.AfterSending(stopped, mutates: true, "CaS", cancelled.Token));

        // Cancelled, but without the server's word that the statement stopped: it may have committed.
        Assert.IsType<IndeterminateConsensusException>(PostgresFailures.AfterSending(new OperationCanceledException(cancelled.Token), mutates: true, "CaS", cancelled.Token));
        Assert.Null(PostgresFailures.AfterSending(new OperationCanceledException(cancelled.Token), mutates: false, "Head", cancelled.Token));
    }

    [Fact]
    public void NothingSentIsADefiniteFailureAndProgrammingErrorsPassThrough()
    {
        var refused = new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111));
        var failure = Assert.IsType<ConsensusException>(PostgresFailures.BeforeSending(refused, "CaS", CancellationToken.None));
        Assert.True(failure.IsTransient);
        Assert.Null(PostgresFailures.BeforeSending(new InvalidOperationException(), "CaS", CancellationToken.None));
        Assert.Null(PostgresFailures.AfterSending(new InvalidOperationException(), mutates: true, "CaS", CancellationToken.None));
    }
}
