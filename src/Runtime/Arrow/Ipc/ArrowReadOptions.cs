namespace Bulwark.Arrow.Ipc;

/// <summary>
/// Limits a reader enforces before it allocates anything for a message, so that a hostile or corrupt file fails with
/// an <see cref="ArrowFormatException"/> instead of exhausting memory or the stack.
/// </summary>
public sealed record ArrowReadOptions
{
    public static ArrowReadOptions Default { get; } = new();

    /// <summary>The largest flatbuffer (message metadata or file footer) accepted, in bytes. Default 64 MiB.</summary>
    public int MaxMetadataBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// The largest message body accepted, in bytes; for a compressed body, also the most its buffers may declare
    /// uncompressed in total, checked before they are decompressed. Default (and upper bound) is the largest .NET byte array.
    /// </summary>
    public long MaxBodyBytes { get; init; } = Array.MaxLength;

    /// <summary>The deepest nesting of fields (list within struct within ...) accepted. Default 64.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>The most fields (counting nested children) a schema may declare. Default 100 000.</summary>
    public int MaxFields { get; init; } = 100_000;

    internal void Validate()
    {
        if (MaxMetadataBytes < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMetadataBytes), MaxMetadataBytes, "At least 64 bytes of metadata must be allowed.");
        }

        if (MaxBodyBytes < 0 || MaxBodyBytes > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBodyBytes), MaxBodyBytes, $"The body limit must be between 0 and {Array.MaxLength}.");
        }

        if (MaxDepth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "The depth limit must be positive.");
        }

        if (MaxFields < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFields), MaxFields, "The field limit must be positive.");
        }
    }
}

/// <summary>Names the source (file or stream) in every error a reader raises.</summary>
internal sealed class IpcContext
{
    public IpcContext(string kind, string? sourceName)
    {
        SourceName = sourceName;
        Description = sourceName is null ? $"Arrow IPC {kind}" : $"Arrow IPC {kind} '{sourceName}'";
    }

    public string Description { get; }

    public string? SourceName { get; }

    public ArrowFormatException Error(string what, long offset, string why) => new($"{Description}: {what} at byte {offset}: {why}.");

    public ArrowFormatException Error(string what, long offset, string why, Exception inner) => new($"{Description}: {what} at byte {offset}: {why}.", inner);
}
