namespace Bulwark.Serialization;

/// <summary>
/// Implemented by the generator for every <c>[CheckpointState]</c> type. Static abstract members let the checkpointer
/// serialize and restore any state type without reflection.
/// </summary>
public interface ICheckpointState<T>
    where T : ICheckpointState<T>
{
    /// <summary>The full type name, written into every checkpoint header so that a file is never restored as another type.</summary>
    static abstract string StateTypeName { get; }

    /// <summary>
    /// A stable hash of the type's (id, name, type) table. A file with another fingerprint is still readable
    /// (added fields read as defaults, removed ones are skipped); the fingerprint only tells that the schema changed.
    /// </summary>
    static abstract ulong SchemaFingerprint { get; }

    /// <summary>Writes every <c>[Id]</c> member as a tagged field.</summary>
    void WriteState(ref CheckpointWriter writer);

    /// <summary>
    /// Reads the fields of the current message, validating every byte; unknown ids are skipped and missing ids keep their defaults.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The bytes are not a valid encoding of this type.</exception>
    static abstract T ReadState(ref CheckpointReader reader);
}

/// <summary>Reads one collection item or dictionary key/value (untagged) for the generic collection readers.</summary>
public delegate T CheckpointItemReader<T>(ref CheckpointReader reader);

/// <summary>Writes one collection item or dictionary key/value (untagged) for the generic collection writers.</summary>
public delegate void CheckpointItemWriter<T>(ref CheckpointWriter writer, T value);

/// <summary>
/// How a field's value is laid out after its tag; the reader can skip a field of any kind without knowing its type,
/// which is what lets an old reader pass over fields a newer writer added.
/// </summary>
public enum CheckpointWireKind : byte
{
    /// <summary>A LEB128 varint (zigzag for signed values): bool, integers, char, enums, TimeSpan, DateOnly, TimeOnly.</summary>
    Varint = 0,

    /// <summary>Four little-endian bytes: float.</summary>
    Fixed32 = 1,

    /// <summary>Eight little-endian bytes: double, DateTime.</summary>
    Fixed64 = 2,

    /// <summary>A varint byte length, then that many bytes: strings, byte arrays, Guid, decimal, DateTimeOffset, collections, nested states.</summary>
    LengthDelimited = 3,

    /// <summary>No payload: the member was null.</summary>
    Null = 4,
}
