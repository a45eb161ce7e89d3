using System.Buffers;
using System.Buffers.Binary;
using Bulwark.Arrow;
using Bulwark.Arrow.Ipc;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace Bulwark.Runtime.Tests.Ipc;

/// <summary>The codecs as test parameters; the values are Message.fbs CompressionType, as in <see cref="IpcCompression"/>.</summary>
public enum Codec : byte
{
    Lz4Frame = 0,
    Zstd = 1,
}

/// <summary>How one buffer of a rewritten body is stored.</summary>
internal enum Stored
{
    /// <summary>int64 uncompressed length, then one frame; an empty buffer stays empty (no prefix).</summary>
    Compressed,

    /// <summary>int64 -1, then the bytes as they are.</summary>
    Uncompressed,
}

/// <summary>
/// Rewrites the record batches of a stream Bulwark wrote into compressed bodies (method BUFFER), built with the codecs'
/// own encoders, so the reader is tested against frames it did not produce. A hook may replace any stored buffer.
/// </summary>
internal static class CompressedBodies
{
    public delegate byte[] Tamper(int batch, int buffer, byte[] raw, byte[] stored);

    public static byte[] Frame(IpcCompression codec, ReadOnlySpan<byte> raw) => codec == IpcCompression.Lz4Frame
        ? LZ4Frame.Encode(raw, new ArrayBufferWriter<byte>(), LZ4Level.L00_FAST).WrittenSpan.ToArray()
        : new Compressor(3).Wrap(raw).ToArray();

    /// <summary>The stored form of <paramref name="raw"/>: prefix and frame, or prefix -1 and the bytes.</summary>
    public static byte[] Store(IpcCompression codec, byte[] raw, Stored how)
    {
        if (how == Stored.Compressed && raw.Length == 0)
        {
            return [];
        }

        var payload = how == Stored.Compressed ? Frame(codec, raw) : raw;
        var stored = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt64LittleEndian(stored, how == Stored.Compressed ? raw.Length : -1);
        payload.CopyTo(stored, 8);
        return stored;
    }

    /// <summary>
    /// Every RecordBatch message of <paramref name="stream"/> gets a compressed body; <paramref name="how"/> picks the
    /// storage per buffer index and <paramref name="tamper"/> may then change the stored bytes.
    /// </summary>
    public static byte[] Rewrite(byte[] stream, IpcCompression codec, Func<int, Stored>? how = null, Tamper? tamper = null)
    {
        var output = new MemoryStream();
        var position = 0;
        var batch = 0;
        while (true)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(stream.AsSpan(position + 4));
            if (length == 0)
            {
                output.Write(stream.AsSpan(position));
                return output.ToArray();
            }

            var context = new IpcContext("stream", null);
            var reader = new FlatBufferReader(stream.AsMemory(position + 8, length), context, position + 8);
            var message = IpcMetadata.ReadMessage(reader);
            var bodyStart = position + 8 + length;
            var end = bodyStart + (int)message.BodyLength;
            if (message.Type != MessageHeaderType.RecordBatch)
            {
                output.Write(stream.AsSpan(position, end - position));
            }
            else
            {
                var header = IpcMetadata.ReadRecordBatchHeader(message.Header, "batch");
                var buffers = new List<byte[]>();
                for (var i = 0; i < header.Buffers.Count; i++)
                {
                    var raw = stream.AsSpan(bodyStart + (int)header.Buffers.GetStructInt64(i, 0), (int)header.Buffers.GetStructInt64(i, 8)).ToArray();
                    var stored = Store(codec, raw, how?.Invoke(i) ?? Stored.Compressed);
                    buffers.Add(tamper is null ? stored : tamper(batch, i, raw, stored));
                }

                WriteMessage(output, header, codec, buffers);
                batch++;
            }

            position = end;
        }
    }

    private static void WriteMessage(MemoryStream output, RecordBatchHeader header, IpcCompression codec, List<byte[]> buffers)
    {
        var offsets = new long[buffers.Count];
        long bodyLength = 0;
        for (var i = 0; i < buffers.Count; i++)
        {
            offsets[i] = bodyLength;
            bodyLength = (bodyLength + buffers[i].Length + 7) & ~7L;
        }

        var b = new FlatBufferBuilder();
        b.StartVector(16, header.Nodes.Count, 8);
        for (var i = header.Nodes.Count - 1; i >= 0; i--)
        {
            b.Prep(8, 16);
            b.PutLong(header.Nodes.GetStructInt64(i, 8));
            b.PutLong(header.Nodes.GetStructInt64(i, 0));
        }

        var nodes = b.EndVector(header.Nodes.Count);
        b.StartVector(16, buffers.Count, 8);
        for (var i = buffers.Count - 1; i >= 0; i--)
        {
            b.Prep(8, 16);
            b.PutLong(buffers[i].Length);
            b.PutLong(offsets[i]);
        }

        var buffersVector = b.EndVector(buffers.Count);
        b.StartTable(2);
        b.AddFieldByte(0, (byte)codec);
        b.AddFieldByte(1, 0);
        var compression = b.EndTable();
        b.StartTable(4);
        b.AddFieldLong(0, header.Length);
        b.AddFieldOffset(1, nodes);
        b.AddFieldOffset(2, buffersVector);
        b.AddFieldOffset(3, compression);
        var recordBatch = b.EndTable();
        b.Finish(IpcMetadata.WriteMessage(b, MessageHeaderType.RecordBatch, recordBatch, bodyLength));
        var metadata = b.WrittenMemory.ToArray();
        var padded = (metadata.Length + 7) & ~7;
        output.Write(BitConverter.GetBytes(-1));
        output.Write(BitConverter.GetBytes(padded));
        output.Write(metadata);
        output.Write(new byte[padded - metadata.Length]);
        var body = new byte[bodyLength];
        for (var i = 0; i < buffers.Count; i++)
        {
            buffers[i].CopyTo(body, offsets[i]);
        }

        output.Write(body);
    }
}
