using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>
/// Declared sizes that the input cannot back must fail fast: before allocating what they claim, with memory use
/// bounded by a small multiple of the bytes actually supplied.
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>Exceptions, async state and strings cost a fixed few KB regardless of the input.</summary>
    internal const long FixedOverhead = 48 * 1024;

    internal static async Task<long> AllocatedWhileFailingAsync(Format format, byte[] bytes, bool seekable, ArrowReadOptions? options = null)
    {
        // Warm up code paths so JIT and type-loading allocations are not charged to the measured read.
        try
        {
            await Ipc.ReadAsync(format, bytes, options, seekable);
        }
        catch (ArrowFormatException)
        {
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = await Record.ExceptionAsync(() => Ipc.ReadAsync(format, bytes, options, seekable));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsType<ArrowFormatException>(error);
        return allocated;
    }

    private static byte[] Prefix(int metadataLength, int trailingBytes)
    {
        var bytes = new byte[8 + trailingBytes];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, -1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), metadataLength);
        new Random(metadataLength).NextBytes(bytes.AsSpan(8));
        return bytes;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HugeDeclaredMetadataFailsWithoutAllocatingIt(bool seekable)
    {
        var bytes = Prefix(int.MaxValue - 7, 100);
        var unlimited = new ArrowReadOptions { MaxMetadataBytes = int.MaxValue };
        var allocated = await AllocatedWhileFailingAsync(Format.Stream, bytes, seekable, unlimited);
        Assert.True(allocated < FixedOverhead + (16 * bytes.Length), $"allocated {allocated} bytes for a {bytes.Length}-byte input");

        // With the default limit the same input is refused by the limit itself.
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.Stream, bytes, seekable: seekable));
        Assert.Contains("MaxMetadataBytes", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HugeDeclaredBodyFailsWithoutAllocatingIt(bool seekable)
    {
        var schema = new Schema([new Field("a", Int64Type.Default, true)], null);
        var head = (await Ipc.WriteAsync(Format.Stream, schema, []))[..^8];
        var b = new FlatBufferBuilder();
        var layout = new BodyLayout();
        layout.Reset(1);
        var batch = IpcMetadata.WriteRecordBatch(b, layout);
        b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.RecordBatch, batch, System.Array.MaxLength - 8));
        var message = Frame(b);
        var bytes = head.Concat(message).Concat(new byte[100]).ToArray();
        var allocated = await AllocatedWhileFailingAsync(Format.Stream, bytes, seekable);
        Assert.True(allocated < FixedOverhead + (16 * bytes.Length), $"allocated {allocated} bytes for a {bytes.Length}-byte input");
    }

    [Fact]
    public async Task HugeFooterAndBlockLengthsInAFileFailFast()
    {
        var schema = new Schema([new Field("a", Int64Type.Default, true)], null);
        var data = new TestData(3);
        var file = await Ipc.WriteAsync(Format.File, schema, [data.RandomBatch(schema, 2)]);

        var hugeFooter = (byte[])file.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(hugeFooter.AsSpan(hugeFooter.Length - 10), int.MaxValue);
        var allocated = await AllocatedWhileFailingAsync(Format.File, hugeFooter, seekable: true);
        Assert.True(allocated < FixedOverhead + (16 * file.Length), $"allocated {allocated} bytes");

        // A block whose body length runs past the footer is refused when the footer is read.
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 10));
        var footerStart = file.Length - 10 - footerLength;
        var footer = new FlatBufferReader(file.AsMemory(footerStart, footerLength), new IpcContext("file", null), footerStart);
        var blocks = IpcMetadata.ReadFooter(footer, ArrowReadOptions.Default).RecordBatches;
        var hugeBody = (byte[])file.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(hugeBody.AsSpan(footerStart + blocks.Start + 16), long.MaxValue - 3);
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.File, hugeBody));
        Assert.Contains("record batch block 0", error.Message);
        allocated = await AllocatedWhileFailingAsync(Format.File, hugeBody, seekable: true);
        Assert.True(allocated < FixedOverhead + (16 * file.Length), $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task HugeVectorCountsInMetadataAreCheckedAgainstTheBuffer()
    {
        var schema = new Schema([new Field("a", Int64Type.Default, true)], null);
        var head = (await Ipc.WriteAsync(Format.Stream, schema, []))[..^8];
        var b = new FlatBufferBuilder();
        var layout = new BodyLayout();
        layout.Reset(1);
        var batch = IpcMetadata.WriteRecordBatch(b, layout);
        b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.RecordBatch, batch, 0));
        var message = Frame(b);

        // The nodes vector is empty; its count is the first int32 == 0 after the message prefix that is followed by
        // another zero count (buffers). Overwrite every zero int32 in turn so that each count gets its turn at 2^31-1.
        var failures = 0;
        for (var i = 8; i + 4 <= message.Length; i += 4)
        {
            if (BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(i)) != 0)
            {
                continue;
            }

            var corrupt = (byte[])message.Clone();
            BinaryPrimitives.WriteInt32LittleEndian(corrupt.AsSpan(i), int.MaxValue);
            var bytes = head.Concat(corrupt).ToArray();
            var error = await Record.ExceptionAsync(() => CorruptionTests.ReadFullyAsync(Format.Stream, bytes));
            if (error is not null)
            {
                Assert.IsType<ArrowFormatException>(error);
                failures++;
                var allocated = await AllocatedWhileFailingAsync(Format.Stream, bytes, seekable: true);
                Assert.True(allocated < FixedOverhead + (16 * bytes.Length), $"allocated {allocated} bytes with count at {i}");
            }
        }

        Assert.True(failures > 0);
    }

    [Fact]
    public async Task DeepNestingIsRefusedAtTheDepthLimit()
    {
        var field = new Field("leaf", Int32Type.Default, true);
        for (var i = 0; i < 80; i++)
        {
            field = new Field("l" + i, new ListType(field), true);
        }

        var schema = new Schema([field], null);
        var bytes = await Ipc.WriteAsync(Format.Stream, schema, []);
        var error = await Assert.ThrowsAsync<ArrowFormatException>(() => Ipc.ReadAsync(Format.Stream, bytes));
        Assert.Contains("64 levels", error.Message);
        var (read, _) = await Ipc.ReadAsync(Format.Stream, bytes, new ArrowReadOptions { MaxDepth = 100 });
        ArrayAssert.SchemasEqual(schema, read);
    }

    [Fact]
    public async Task SharedSubtablesCannotMultiplyIntoMillionsOfFields()
    {
        // Every fields/children vector points 200 times at the same table: 200^3 fields from a few KB.
        var b = new FlatBufferBuilder();
        var leaf = FieldTable(b, "x", 2, IntTable(b), System.Array.Empty<int>());
        var level1 = FieldTable(b, "s", 13, Empty(b), Enumerable.Repeat(leaf, 200).ToArray());
        var level2 = FieldTable(b, "s", 13, Empty(b), Enumerable.Repeat(level1, 200).ToArray());
        var fields = b.CreateOffsetVector(Enumerable.Repeat(level2, 200).ToArray());
        b.StartTable(4);
        b.AddFieldOffset(1, fields);
        var schemaTable = b.EndTable();
        b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.Schema, schemaTable, 0));
        var bytes = Frame(b);
        var allocated = await AllocatedWhileFailingAsync(Format.Stream, bytes, seekable: true);
        Assert.True(allocated < FixedOverhead + (64 * bytes.Length), $"allocated {allocated} bytes for a {bytes.Length}-byte input");
    }

    [Fact]
    public void AnyDeclaredLengthWithFewBytesBehindItFailsFast()
    {
        var lengths = Gen.Choose(1, int.MaxValue).Select(n => n).ToArbitrary();
        Prop.ForAll(lengths, Gen.Choose(0, 300).ToArbitrary(), (length, trailing) =>
        {
            var bytes = Prefix(length, trailing);
            foreach (var seekable in new[] { true, false })
            {
                var unlimited = new ArrowReadOptions { MaxMetadataBytes = int.MaxValue };
                var task = AllocatedWhileFailingAsync(Format.Stream, bytes, seekable, unlimited);
                Assert.True(task.IsCompleted, "reading in-memory input must not block");
                var allocated = task.GetAwaiter().GetResult();
                Assert.True(allocated < FixedOverhead + (16 * bytes.Length), $"declared {length}, {trailing} bytes behind it: allocated {allocated}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    internal static byte[] Frame(FlatBufferBuilder b)
    {
        var metadata = b.WrittenMemory.ToArray();
        var bytes = new byte[8 + metadata.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, -1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), metadata.Length);
        metadata.CopyTo(bytes, 8);
        return bytes;
    }

    internal static int IntTable(FlatBufferBuilder b)
    {
        b.StartTable(2);
        b.AddFieldInt(0, 32);
        b.AddFieldBool(1, true);
        return b.EndTable();
    }

    internal static int Empty(FlatBufferBuilder b)
    {
        b.StartTable(0);
        return b.EndTable();
    }

    internal static int FieldTable(FlatBufferBuilder b, string name, byte tag, int type, int[] children)
    {
        var nameOffset = b.CreateString(name);
        var childrenVector = b.CreateOffsetVector(children);
        b.StartTable(7);
        b.AddFieldOffset(0, nameOffset);
        b.AddFieldOffset(3, type);
        b.AddFieldOffset(5, childrenVector);
        b.AddFieldBool(1, true);
        b.AddFieldByte(2, tag);
        return b.EndTable();
    }
}
