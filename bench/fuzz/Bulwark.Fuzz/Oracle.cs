namespace Bulwark.Fuzz;

/// <summary>How an input ended when it was not a finding.</summary>
public enum FuzzOutcome
{
    /// <summary>The reader read it completely.</summary>
    Read,

    /// <summary>The reader refused it with one of its typed format exceptions.</summary>
    Refused,
}

/// <summary>An input broke the oracle: an untyped exception, an empty message, or too large an allocation.</summary>
public sealed class FuzzFindingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The oracle of the corruption tests, for arbitrary bytes: a correct read or a typed format exception with a message
/// is fine; any other exception, or allocating more than <see cref="AllocationLimit"/> on the reading thread, is a
/// finding. Hangs and process death are caught by the driver (afl-fuzz's per-input timeout, the test's hang guard).
/// </summary>
public static class Oracle
{
    /// <summary>Below this, allocation is not judged: a reader's fixed costs (schemas, pooled buffers, codec state).</summary>
    public const long AllocationFloor = 32L << 20;

    /// <summary>Bytes a reader may allocate per input byte above the floor.</summary>
    public const long AllocationFactor = 64;

    public static long AllocationLimit(int inputLength) => AllocationFloor + (AllocationFactor * inputLength);

    /// <exception cref="FuzzFindingException">The input is a finding.</exception>
    public static FuzzOutcome Run(FuzzTarget target, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(input);
        var before = GC.GetAllocatedBytesForCurrentThread();
        FuzzOutcome outcome;
        try
        {
            target.Read(input);
            outcome = FuzzOutcome.Read;
        }
        catch (Exception e) when (target.IsRefusal(e))
        {
            if (string.IsNullOrWhiteSpace(e.Message))
            {
                throw new FuzzFindingException($"{target.Name}: {e.GetType().Name} without a message", e);
            }

            outcome = FuzzOutcome.Refused;
        }
        catch (Exception e) when (e is not FuzzFindingException)
        {
            throw new FuzzFindingException($"{target.Name}: {e.GetType().FullName} is not a typed refusal: {e.Message}", e);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationLimit(input.Length))
        {
            throw new FuzzFindingException($"{target.Name}: reading {input.Length} bytes allocated {allocated} bytes, more than the limit of {AllocationLimit(input.Length)}");
        }

        return outcome;
    }
}
