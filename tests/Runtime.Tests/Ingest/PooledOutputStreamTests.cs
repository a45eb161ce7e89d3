using Bulwark.Ingest;
using Xunit;

namespace Bulwark.Runtime.Tests.Ingest;

/// <summary>The stream parts are encoded into: what goes in across its 1 MiB segments comes out whole and in order.</summary>
public sealed class PooledOutputStreamTests
{
    [Fact]
    public async Task Writes_through_every_overload_across_segments_come_back_in_order()
    {
        var data = new byte[(3 * 1024 * 1024) + 12_345];
        new Random(7).NextBytes(data);
        using var stream = new PooledOutputStream();

        // Pieces of 700 KiB and more, so that writes start mid-segment and run over segment ends.
        stream.Write(data.AsSpan(0, 700 * 1024));
        stream.Write(data, 700 * 1024, 700 * 1024);
        await stream.WriteAsync(data.AsMemory(1400 * 1024, 900 * 1024));
        await stream.WriteAsync(data, 2300 * 1024, data.Length - (2300 * 1024), CancellationToken.None);

        Assert.Equal(data.Length, stream.Length);
        Assert.Equal(data.Length, stream.Position);
        Assert.Equal(data, stream.ToArray());
    }

    [Fact]
    public async Task A_cancelled_write_throws_and_writes_nothing()
    {
        using var stream = new PooledOutputStream();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.WriteAsync(new byte[10].AsMemory(), cancel.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.WriteAsync(new byte[10], 0, 10, cancel.Token));

        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void It_is_write_only_and_disposing_it_empties_it()
    {
        var stream = new PooledOutputStream();
        stream.Write(new byte[2 * 1024 * 1024]);
        Assert.Equal((false, false, true), (stream.CanRead, stream.CanSeek, stream.CanWrite));
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.Read(new byte[1], 0, 1));
        Assert.Throws<NotSupportedException>(() => stream.Position = 0);

        stream.Dispose();

        Assert.Equal(0, stream.Length);
        Assert.Empty(stream.ToArray());
    }
}
