namespace Bulwark.Arrow;

/// <summary>
/// Arrow data (an IPC file or stream, or arrays assembled from one) is truncated, corrupt or not what it claims to be.
/// The message names what was being read, where (file, message, field path, byte offset) and why it is invalid.
/// </summary>
public class ArrowFormatException : DataFormatException
{
    public ArrowFormatException(string message)
        : base(message)
    {
    }

    public ArrowFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A record batch does not fit the record type it is read into: a column is missing, has another type,
/// or holds a null where the member cannot hold one. The message names the record type, the column and the reason.
/// Not sealed: <c>Bulwark.Records.ArrowValueException</c> refines it for a value that cannot be converted to its member.
/// </summary>
public class ArrowSchemaMismatchException : Exception
{
    public ArrowSchemaMismatchException(string message)
        : base(message)
    {
    }

    public ArrowSchemaMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
