namespace Bulwark.Cli.Tests;

/// <summary>
/// Every command that takes a store tells "does not exist" from "is a file" from "is not a store", and when the
/// directory given holds exactly one store (the user named its parent) says which.
/// </summary>
public sealed class PathMessageTests : CliTestBase
{
    private string Dataset => Path.Combine(Work, "dataset");

    [Theory]
    [InlineData("checkpoints list {0}")]
    [InlineData("checkpoints repair {0}")]
    [InlineData("gc --plan {0}")]
    [InlineData("verify {0}")]
    [InlineData("ingest status {0}")]
    public async Task A_missing_path_does_not_exist_and_a_file_is_not_a_directory(string commandLine)
    {
        var missing = Path.Combine(Work, "missing");
        var (code, output, error) = await RunAsync(Args(commandLine, missing));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal([$"error: '{missing}' does not exist"], Lines(error));
        Assert.False(Directory.Exists(missing));

        (code, _, error) = await RunAsync(Args(commandLine, Outside));
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{Outside}' is a file, not a directory"], Lines(error));
    }

    [Theory]
    [InlineData("checkpoints list {0}", "is not a checkpoint store: it has no catalog (checkpoints.json) and no checkpoint directories")]
    [InlineData("checkpoints drop {0} 01a23be2-ab6f-705f-ad10-984b1d381d94", "is not a checkpoint store: it has no catalog (checkpoints.json) and no checkpoint directories")]
    [InlineData("gc --plan {0}", "is not a checkpoint store: it has no catalog (checkpoints.json) and no checkpoint directories")]
    [InlineData("verify {0}", "is not a store bulwark knows; it looked for a checkpoint store")]
    public async Task The_parent_of_the_only_checkpoint_store_suggests_it(string commandLine, string reason)
    {
        await CreateStoreAsync();

        var (code, output, error) = await RunAsync(Args(commandLine, Work));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"error: '{Work}' {reason}", line, StringComparison.Ordinal);
        Assert.EndsWith($"; did you mean '{Store}'?", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_parent_of_the_only_ingest_dataset_suggests_it_and_verify_suggests_any_kind_of_store()
    {
        await IngestKit.BuildAsync(Dataset);

        var (code, _, error) = await RunAsync("ingest", "status", Work);
        Assert.Equal(2, code);
        Assert.Equal(
            [$"error: '{Work}' is not an ingest dataset: it has no commit log (_commits/), no writer locks (_locks/) and no part files (TABLE/part-*); did you mean '{Dataset}'?"],
            Lines(error));

        (code, _, error) = await RunAsync("verify", Work);
        Assert.Equal(2, code);
        Assert.EndsWith($"; did you mean '{Dataset}'?", Assert.Single(Lines(error)), StringComparison.Ordinal);

        // A checkpoint store is no ingest dataset: asked for a dataset, the parent suggests nothing else.
        await CreateStoreAsync();
        (code, _, error) = await RunAsync("checkpoints", "list", Work);
        Assert.Equal(2, code);
        Assert.EndsWith($"; did you mean '{Store}'?", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_stores_or_none_suggest_nothing()
    {
        Directory.CreateDirectory(Path.Combine(Work, "empty"));
        var (code, _, error) = await RunAsync("checkpoints", "list", Work);
        Assert.Equal(2, code);
        Assert.Equal([$"error: '{Work}' is not a checkpoint store: it has no catalog (checkpoints.json) and no checkpoint directories"], Lines(error));

        await CreateStoreAsync();
        await IngestKit.BuildAsync(Dataset);
        (code, _, error) = await RunAsync("verify", Work);
        Assert.Equal(2, code);
        Assert.DoesNotContain("did you mean", error, StringComparison.Ordinal);
    }

    private static string[] Args(string commandLine, string path) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, commandLine, path).Split(' ');
}
