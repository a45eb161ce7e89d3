using System.Collections.Concurrent;
using Bulwark.Shards;

namespace Bulwark.Runtime.Tests.Shards;

internal enum ConsensusFileOperation
{
    DirectoryExists,
    FileExists,
    CreateDirectory,
    EnumerateFiles,
    EnumerateDirectories,
    OpenRead,
    WriteNew,
    MoveNoReplace,
    Delete,
    OpenExclusive,
}

/// <summary>
/// The file system's own operations, except where a rule says otherwise: an operation on a matching path fails (before
/// it takes effect, or after), or runs a step of the test first. Every call is recorded, and also written to
/// <c>events</c> as "Operation path" for a trace shared with other test doubles.
/// </summary>
internal sealed class FaultingConsensusFiles(ConcurrentQueue<string>? events = null) : IConsensusFiles
{
    private readonly IConsensusFiles real = ConsensusFiles.Instance;
    private readonly ConcurrentQueue<(ConsensusFileOperation Operation, string Path)> calls = new();
    private readonly List<Rule> rules = [];

    public IReadOnlyList<(ConsensusFileOperation Operation, string Path)> Calls => calls.ToArray();

    /// <summary>The next <paramref name="times"/> calls of <paramref name="operation"/> on a path ending in <paramref name="pathEnd"/> throw; with <paramref name="afterEffect"/>, once the operation is done.</summary>
    public FaultingConsensusFiles Fail(ConsensusFileOperation operation, Func<Exception> exception, string pathEnd = "", int times = int.MaxValue, bool afterEffect = false)
    {
        lock (rules)
        {
            rules.Add(new Rule(operation, pathEnd, times, exception, afterEffect, null));
        }

        return this;
    }

    /// <summary>Runs <paramref name="step"/> before the next call of <paramref name="operation"/> on a path ending in <paramref name="pathEnd"/>.</summary>
    public FaultingConsensusFiles Before(ConsensusFileOperation operation, string pathEnd, Action step)
    {
        lock (rules)
        {
            rules.Add(new Rule(operation, pathEnd, 1, null, false, step));
        }

        return this;
    }

    public void Clear()
    {
        lock (rules)
        {
            rules.Clear();
        }
    }

    public bool DirectoryExists(string path) => Run(ConsensusFileOperation.DirectoryExists, path, () => real.DirectoryExists(path));

    public bool FileExists(string path) => Run(ConsensusFileOperation.FileExists, path, () => real.FileExists(path));

    public void CreateDirectory(string path) => Run(ConsensusFileOperation.CreateDirectory, path, () => Done(() => real.CreateDirectory(path)));

    public IEnumerable<string> EnumerateFiles(string directory, string searchPattern) =>
        Run(ConsensusFileOperation.EnumerateFiles, directory, () => real.EnumerateFiles(directory, searchPattern).ToArray());

    public IEnumerable<string> EnumerateDirectories(string directory) =>
        Run(ConsensusFileOperation.EnumerateDirectories, directory, () => real.EnumerateDirectories(directory).ToArray());

    public Stream OpenRead(string path) => Run(ConsensusFileOperation.OpenRead, path, () => real.OpenRead(path));

    public async Task WriteNewAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var rule = Take(ConsensusFileOperation.WriteNew, path);
        rule?.Step?.Invoke();
        if (rule?.Exception is null || rule.AfterEffect)
        {
            await real.WriteNewAsync(path, data, cancellationToken);
        }

        if (rule?.Exception is { } exception)
        {
            throw exception();
        }
    }

    [RequiresDirectorySync]
    public void MoveNoReplace(string source, string destination) => Run(ConsensusFileOperation.MoveNoReplace, destination, () => Done(() => real.MoveNoReplace(source, destination)));

    public void Delete(string path) => Run(ConsensusFileOperation.Delete, path, () => Done(() => real.Delete(path)));

    public IDisposable OpenExclusive(string path) => Run(ConsensusFileOperation.OpenExclusive, path, () => real.OpenExclusive(path));

    private static int Done(Action action)
    {
        action();
        return 0;
    }

    private T Run<T>(ConsensusFileOperation operation, string path, Func<T> action)
    {
        var rule = Take(operation, path);
        rule?.Step?.Invoke();
        if (rule?.Exception is null)
        {
            return action();
        }

        if (rule.AfterEffect)
        {
            _ = action();
        }

        throw rule.Exception();
    }

    /// <summary>Records the call and takes one use of the first rule that matches it.</summary>
    private Rule? Take(ConsensusFileOperation operation, string path)
    {
        calls.Enqueue((operation, path));
        events?.Enqueue($"{operation} {path}");
        lock (rules)
        {
            var rule = rules.FirstOrDefault(r => r.Operation == operation && r.Left > 0 && path.EndsWith(r.PathEnd, StringComparison.Ordinal));
            if (rule is not null)
            {
                rule.Left--;
            }

            return rule;
        }
    }

    private sealed class Rule(ConsensusFileOperation operation, string pathEnd, int left, Func<Exception>? exception, bool afterEffect, Action? step)
    {
        public ConsensusFileOperation Operation { get; } = operation;

        public string PathEnd { get; } = pathEnd;

        public int Left { get; set; } = left;

        public Func<Exception>? Exception { get; } = exception;

        public bool AfterEffect { get; } = afterEffect;

        public Action? Step { get; } = step;
    }
}
