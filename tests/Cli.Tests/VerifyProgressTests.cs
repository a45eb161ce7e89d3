using Bulwark.Checkpoints;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests;

/// <summary>The progress bar of `bulwark verify`: what it measures, and that it never changes the report.</summary>
public sealed class VerifyProgressTests : CliTestBase
{
    [Fact]
    public async Task Verifying_through_the_counting_backend_reads_every_byte_of_the_store_once()
    {
        await CreateStoreAsync();
        var counting = new CountingBackend(new LocalFileSystemBackend(Store));

        var result = await CheckpointStoreVerifier.VerifyAsync(counting, checkContents: true);

        Assert.True(result.IsHealthy);
        var stored = Directory.EnumerateFiles(Store, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith(Checkpointer.LockFileName, StringComparison.Ordinal))
            .Sum(f => new FileInfo(f).Length);
        Assert.Equal(stored, counting.BytesRead);
        Assert.Equal(VerifyProgress.TotalBytes(Store), stored + Directory.EnumerateFiles(Store, Checkpointer.LockFileName + "*").Sum(f => new FileInfo(f).Length));
    }

    [Fact]
    public async Task Streams_opened_through_the_counting_backend_count_what_is_read()
    {
        Directory.CreateDirectory(Store);
        await File.WriteAllBytesAsync(Path.Combine(Store, "part.bin"), new byte[5000]);
        var counting = new CountingBackend(new LocalFileSystemBackend(Store));

        await using (var stream = await counting.OpenReadAsync("part.bin"))
        {
            var buffer = new byte[1000];
            await stream.ReadExactlyAsync(buffer);
            stream.Seek(-500, SeekOrigin.End);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, 500));
        }

        Assert.Equal(1500, counting.BytesRead);
    }

    [Fact]
    public async Task With_stderr_a_terminal_the_report_on_stdout_is_the_same_as_without()
    {
        var (_, second) = await CreateStoreAsync();
        File.Delete(Path.Combine(Store, "batch-2.arrow"));
        var plain = await RunAsync("verify", Store);

        using var output = new StringWriter();
        using var error = new StringWriter();
        var terminal = new CliTerminal(Output: false, Error: true, Width: 80) { ProgressThresholdBytes = 0 };
        var code = await BulwarkCommand.RunAsync(["verify", Store], output, error, TimeProvider.System, terminal);

        Assert.Equal(1, plain.Code);
        Assert.Equal(plain.Code, code);
        Assert.Equal(plain.Output, output.ToString());
        Assert.Contains("problem: batch-2.arrow: ", output.ToString(), StringComparison.Ordinal);
        AssertNoStackTrace(output.ToString(), error.ToString());
        Assert.NotEqual(Guid.Empty, second);
    }
}
