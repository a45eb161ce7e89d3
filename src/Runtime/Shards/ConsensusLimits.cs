using System.Text;

namespace Bulwark.Shards;

/// <summary>
/// The bounds every <see cref="IConsensus"/> enforces, the same for each store so that code tested against
/// <see cref="InMemoryConsensus"/> behaves the same on <see cref="FileConsensus"/> or PostgreSQL.
/// </summary>
public static class ConsensusLimits
{
    /// <summary>
    /// The longest key, in UTF-8 bytes. <see cref="FileConsensus"/> names a key's directory by the key's bytes in hex,
    /// and 2 x 120 characters stay below the 255-byte file-name limit of common file systems.
    /// </summary>
    public const int MaxKeyBytes = 120;

    /// <summary>The largest entry, in bytes. State entries are small; anything near this belongs in blob storage.</summary>
    public const int MaxDataBytes = 16 * 1024 * 1024;
}

/// <summary>
/// The argument checks of <see cref="IConsensus"/>, public so that every implementation (a test double too) refuses
/// exactly the same calls with the same <see cref="ArgumentException"/>s.
/// </summary>
public static class ConsensusArguments
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A key is non-empty, at most <see cref="ConsensusLimits.MaxKeyBytes"/> UTF-8 bytes, and has no NUL (PostgreSQL
    /// text cannot hold one) and no unpaired surrogate (it has no UTF-8 form, so two keys would share bytes).
    /// </summary>
    /// <returns>The key's UTF-8 bytes.</returns>
    public static byte[] ValidateKey(string key, string paramName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length == 0)
        {
            throw new ArgumentException("A consensus key must not be empty.", paramName);
        }

        if (key.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A consensus key must not contain NUL.", paramName);
        }

        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(key);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("A consensus key must not contain an unpaired UTF-16 surrogate.", paramName, e);
        }

        if (bytes.Length > ConsensusLimits.MaxKeyBytes)
        {
            throw new ArgumentException($"A consensus key is at most {ConsensusLimits.MaxKeyBytes} UTF-8 bytes; this one has {bytes.Length}.", paramName);
        }

        return bytes;
    }

    /// <summary>Checks a compare-and-set: the key, <c>next.SeqNo == expectedSeqNo + 1</c> (0 for null) and the data bound.</summary>
    /// <returns>The key's UTF-8 bytes.</returns>
    public static byte[] ValidateCompareAndSet(string key, long? expectedSeqNo, VersionedData next)
    {
        var keyBytes = ValidateKey(key);
        ArgumentNullException.ThrowIfNull(next);
        if (expectedSeqNo is { } expected)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(expected, nameof(expectedSeqNo));
            if (expected == long.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(expectedSeqNo), expected, "No sequence number follows long.MaxValue.");
            }
        }

        var required = expectedSeqNo is { } e ? e + 1 : 0;
        if (next.SeqNo != required)
        {
            throw new ArgumentException(
                $"next.SeqNo must be {required} ({(expectedSeqNo is null ? "the first entry of a key is 0" : "the expected head + 1")}), not {next.SeqNo}.",
                nameof(next));
        }

        if (next.Data.Length > ConsensusLimits.MaxDataBytes)
        {
            throw new ArgumentException($"An entry holds at most {ConsensusLimits.MaxDataBytes} bytes; this one has {next.Data.Length}.", nameof(next));
        }

        return keyBytes;
    }

    /// <summary>Checks a scan: the key, <c>fromSeqNo &gt;= 0</c> and <c>limit &gt; 0</c>.</summary>
    public static byte[] ValidateScan(string key, long fromSeqNo, int limit)
    {
        var keyBytes = ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(fromSeqNo);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return keyBytes;
    }

    /// <summary>Checks a truncation: the key and <c>belowSeqNo &gt;= 0</c>.</summary>
    public static byte[] ValidateTruncate(string key, long belowSeqNo)
    {
        var keyBytes = ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(belowSeqNo);
        return keyBytes;
    }
}
