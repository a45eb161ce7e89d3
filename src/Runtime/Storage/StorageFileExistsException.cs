namespace Bulwark.Storage;

/// <summary>A create-new commit found a committed file at its path and published nothing.</summary>
public sealed class StorageFileExistsException : StorageException
{
    public StorageFileExistsException(string path, string backendDescription)
        : base($"Cannot publish '{path}' in {backendDescription}: a file already exists there.")
    {
        Path = path;
    }

    public string Path { get; }
}
