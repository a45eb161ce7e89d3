using Bulwark.Checkpoints;

namespace Bulwark.Serialization;

/// <summary>
/// Checkpoint bytes that are not a valid checkpoint: a bad header or checksum, a truncated or malformed field, a value
/// out of range, or a field whose wire kind is not the one its member expects. Names the file, the field path and the byte offset.
/// A <see cref="CheckpointException"/>, so one catch covers everything a restore can raise on purpose.
/// </summary>
public sealed class CheckpointFormatException : CheckpointException
{
    public CheckpointFormatException(string fileName, string fieldPath, long offset, string reason)
        : this(fileName, fieldPath, offset, reason, null)
    {
    }

    public CheckpointFormatException(string fileName, string fieldPath, long offset, string reason, Exception? innerException)
        : base($"{fileName}: invalid checkpoint at byte offset {offset}, field {fieldPath}: {reason}", innerException)
    {
        FileName = fileName;
        FieldPath = fieldPath;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The file (or other source name) the bytes came from, as the caller named it.</summary>
    public string FileName { get; }

    /// <summary>Where in the state the failure is, e.g. <c>HostCounter._countsByHost["a.example"].value</c>; <c>header.*</c> or <c>trailer.crc32c</c> outside the payload.</summary>
    public string FieldPath { get; }

    /// <summary>The byte offset in the file where the offending item starts.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }
}
