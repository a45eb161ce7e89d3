namespace Bulwark;

/// <summary>
/// Stored data is truncated, corrupt, hostile or in another format than the reader reads: the common base of
/// <see cref="Arrow.ArrowFormatException"/> and <see cref="Parquet.ParquetFormatException"/>, so one handler can catch
/// bad input of either format. <see cref="InvalidDataException"/> would be the framework's type for this, but it is
/// sealed; <see cref="IOException"/> is deliberately not the base, because code that retries or reports storage
/// failures catches it and a corrupt file is neither transient nor a storage failure.
/// </summary>
public abstract class DataFormatException : Exception
{
    protected DataFormatException(string message)
        : base(message)
    {
    }

    protected DataFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
