using System.Text;

namespace Bulwark.Shards;

/// <summary>
/// One entry of a consensus key: its sequence number and opaque bytes. Two entries are equal when their sequence
/// numbers and their bytes are equal (by content, not by buffer identity), so a value read back equals the one
/// written.
/// </summary>
/// <param name="SeqNo">The entry's sequence number, 0 or more.</param>
/// <param name="Data">The entry's bytes; stores copy them, so the caller may reuse its buffer after the call.</param>
public sealed record VersionedData(long SeqNo, ReadOnlyMemory<byte> Data)
{
    /// <summary>The entry's sequence number, 0 or more.</summary>
    public long SeqNo { get; init; } = SeqNo >= 0 ? SeqNo : throw new ArgumentOutOfRangeException(nameof(SeqNo), SeqNo, "A sequence number is 0 or more.");

    public bool Equals(VersionedData? other) =>
        other is not null && SeqNo == other.SeqNo && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(SeqNo);
        hash.AddBytes(Data.Span);
        return hash.ToHashCode();
    }

    // The default would print "System.ReadOnlyMemory<Byte>[n]"; a test failure is easier to read with the bytes.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("SeqNo = ").Append(SeqNo).Append(", Data = ").Append(Data.Length).Append(" bytes");
        if (!Data.IsEmpty)
        {
            var shown = Data.Span[..Math.Min(Data.Length, 16)];
            builder.Append(" 0x").Append(Convert.ToHexStringLower(shown)).Append(shown.Length < Data.Length ? "..." : string.Empty);
        }

        return true;
    }
}
