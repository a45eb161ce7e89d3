namespace Bulwark.Fuzz;

/// <summary>
/// One fuzz entry point: a reader fed the whole input, and the typed exceptions by which that reader may refuse it.
/// </summary>
/// <param name="Name">The name run.sh and the corpus folder use (bench/fuzz/corpus/NAME).</param>
/// <param name="Description">What is read.</param>
/// <param name="Read">Reads the input completely, touching every value it yields.</param>
/// <param name="Refusals">The exception types (and their subtypes) that are the reader's documented refusal of bad input.</param>
public sealed record FuzzTarget(string Name, string Description, Action<byte[]> Read, IReadOnlyList<Type> Refusals)
{
    public bool IsRefusal(Exception exception) => Refusals.Any(t => t.IsInstanceOfType(exception));
}

/// <summary>Every target, selected by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        ArrowTargets.File,
        ArrowTargets.Stream,
        ParquetTargets.File,
        ParquetTargets.Thrift,
        CheckpointTargets.State,
        CheckpointTargets.Manifest,
        CheckpointTargets.Catalog,
        IngestTargets.Commit,
        ShardTargets.State,
        ShardTargets.Part,
    ];

    public static FuzzTarget Find(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"Unknown fuzz target '{name}'. Targets: {string.Join(", ", All.Select(t => t.Name))}.", nameof(name));
}
