namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1001: stored bytes reinterpreted without validation; each positive is a shape storage engines shipped.</summary>
public sealed class Bwk1001UncheckedDeserializationTests
{
    private const string Usings = """
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;
        using Bulwark;
        using Bulwark.Storage;

        """;

    private const string HeaderStruct = """

        [StructLayout(LayoutKind.Sequential, Pack = 1)]
        public struct Header
        {
            public int Magic;
            public long Length;
        }
        """;

    // Test usings come first (a using must precede declarations), so each case's own usings go into its markup's head.
    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(Compose(markup), new UncheckedDeserializationAnalyzer());

    private static string Compose(string markup)
    {
        var lines = markup.Split('\n');
        var usingCount = lines.TakeWhile(l => l.StartsWith("using ", StringComparison.Ordinal) || l.StartsWith("#pragma", StringComparison.Ordinal)).Count();
        return string.Join('\n', lines.Take(usingCount)) + (usingCount > 0 ? "\n" : string.Empty)
            + Usings + string.Join('\n', lines.Skip(usingCount)) + HeaderStruct;
    }

    // ---- positives -------------------------------------------------------------------------------------------

    [Fact]
    public Task Read_over_file_bytes() => VerifyAsync("""
        class C
        {
            long M(string path)
            {
                var bytes = File.ReadAllBytes(path);
                return [|MemoryMarshal.Read<long>(bytes)|];
            }
        }
        """);

    [Fact]
    public Task Cast_over_a_slice_of_a_buffer_filled_by_a_stream_read() => VerifyAsync("""
        class C
        {
            int M(Stream stream)
            {
                var buffer = new byte[64];
                stream.ReadExactly(buffer, 0, buffer.Length);
                var headers = [|MemoryMarshal.Cast<byte, Header>(buffer.AsSpan(8))|];
                return headers[0].Magic;
            }
        }
        """);

    [Fact]
    public Task AsRef_over_a_stackalloc_span_filled_by_an_async_read_of_a_backend_stream() => VerifyAsync("""
        class C
        {
            async Task<long> M(IStorageBackend backend)
            {
                await using var stream = await backend.OpenReadAsync("state/header");
                var buffer = new byte[16];
                await stream.ReadExactlyAsync(buffer.AsMemory());
                return Parse(buffer);
            }

            static long Parse(byte[] buffer)
            {
                Span<byte> copy = stackalloc byte[16];
                buffer.CopyTo(copy);
                return 0;
            }

            long N(Stream stream)
            {
                Span<byte> span = stackalloc byte[16];
                stream.Read(span);
                return [|MemoryMarshal.AsRef<Header>(span)|].Length;
            }
        }
        """);

    [Fact]
    public Task ReadUnaligned_over_backend_bytes_through_an_element_reference() => VerifyAsync("""
        class C
        {
            async Task<Header> M(IStorageBackend backend, CancellationToken ct)
            {
                byte[] bytes = await backend.ReadAllBytesAsync("state/1", cancellationToken: ct);
                return [|Unsafe.ReadUnaligned<Header>(ref bytes[0])|];
            }
        }
        """);

    [Fact]
    public Task Struct_memory_handed_to_a_read_as_its_buffer() => VerifyAsync("""
        class C
        {
            Header M(Stream stream)
            {
                var header = default(Header);
                stream.ReadExactly([|MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref header, 1))|]);
                return header;
            }

            Header[] N(Stream stream)
            {
                var headers = new Header[4];
                var view = [|MemoryMarshal.Cast<Header, byte>(headers)|];
                stream.ReadExactly(view);
                return headers;
            }
        }
        """);

    [Fact]
    public Task Read_over_a_pipe_buffer() => VerifyAsync("""
        using System.IO.Pipelines;
        class C
        {
            async Task<Header> M(PipeReader reader)
            {
                var result = await reader.ReadAsync();
                var header = [|MemoryMarshal.Read<Header>(result.Buffer.FirstSpan)|];
                reader.AdvanceTo(result.Buffer.End);
                return header;
            }

            Header N(PipeReader reader) =>
                reader.TryRead(out var result) ? [|MemoryMarshal.Read<Header>(result.Buffer.First.Span)|] : default;
        }
        """);

    [Fact]
    public Task Pointer_from_a_fixed_buffer_and_a_random_access_read() => VerifyAsync("""
        using Microsoft.Win32.SafeHandles;
        class C
        {
            unsafe Header M(SafeFileHandle handle)
            {
                var buffer = new byte[32];
                RandomAccess.Read(handle, buffer, fileOffset: 0);
                fixed (byte* p = buffer)
                {
                    return [|Unsafe.ReadUnaligned<Header>(p)|];
                }
            }

            int N(BinaryReader reader, bool useTail)
            {
                var bytes = useTail ? reader.ReadBytes(8) : Array.Empty<byte>();
                return [|Unsafe.As<byte, int>(ref bytes[0])|];
            }
        }
        """);

    [Fact]
    public Task Memory_mapped_view_reads_are_always_stored_bytes() => VerifyAsync("""
        using System.IO.MemoryMappedFiles;
        class C
        {
            Header M(MemoryMappedViewAccessor view)
            {
                [|view.Read(0, out Header header)|];
                return header;
            }
        }
        """);

    [Fact]
    public Task Object_graph_formatters_anywhere() => VerifyAsync("""
        #pragma warning disable SYSLIB0011, SYSLIB0050
        using System.Runtime.Serialization;
        using System.Runtime.Serialization.Formatters.Binary;
        class C
        {
            object M(Stream stream) => [|new BinaryFormatter().Deserialize(stream)|];

            object N(IFormatter formatter, Stream stream) => [|formatter.Deserialize(stream)|];

            object O(NetDataContractSerializer serializer, Stream stream) => [|serializer.ReadObject(stream)|];
        }

        namespace System.Runtime.Serialization
        {
            // Not in .NET (Core); declared here by its full name, which is all the analyzer matches on.
            public sealed class NetDataContractSerializer
            {
                public object ReadObject(Stream stream) => stream;
            }
        }
        """);

    [Fact]
    public Task Apis_marked_unchecked_including_through_an_interface_and_a_constructor() => VerifyAsync("""
        public interface ICodec
        {
            [UncheckedDeserialization("ReadValidated")]
            Header ReadUnchecked(ReadOnlySpan<byte> bytes);

            Header ReadValidated(ReadOnlySpan<byte> bytes);
        }

        public sealed class Codec : ICodec
        {
            public Header ReadUnchecked(ReadOnlySpan<byte> bytes) => default;

            public Header ReadValidated(ReadOnlySpan<byte> bytes) => default;
        }

        public sealed class Frame
        {
            [UncheckedDeserialization]
            public Frame(byte[] bytes) => Bytes = bytes;

            public byte[] Bytes { get; }
        }

        class C
        {
            Header M(Codec codec, byte[] bytes) => [|codec.ReadUnchecked(bytes)|];

            Frame N(byte[] bytes) => [|new Frame(bytes)|];
        }
        """);

    [Fact]
    public async Task Message_names_the_api_the_type_and_the_validated_replacement()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(Compose("""
            class C
            {
                long M(string path) => MemoryMarshal.Read<long>(File.ReadAllBytes(path));
            }
            """), new UncheckedDeserializationAnalyzer()));

        Assert.Equal("BWK1001", diagnostic.Id);
        Assert.Equal("MemoryMarshal.Read<long>(File.ReadAllBytes(path))", diagnostic.SpanText);
        Assert.Contains("'MemoryMarshal.Read' reinterprets bytes read from storage as 'long'", diagnostic.Message);
        Assert.Contains("'BinaryPrimitives.ReadInt64LittleEndian'", diagnostic.Message);
    }

    // ---- negatives: look-alikes that must stay silent ----------------------------------------------------------

    [Fact]
    public Task Bytes_from_a_parameter_are_the_callers_to_validate() => VerifyAsync("""
        class C
        {
            Header M(ReadOnlySpan<byte> bytes) => MemoryMarshal.Read<Header>(bytes);

            long N(byte[] bytes) => Unsafe.ReadUnaligned<long>(ref bytes[0]);
        }
        """);

    [Fact]
    public Task Bytes_built_in_memory_are_not_stored_bytes() => VerifyAsync("""
        class C
        {
            int M(long value)
            {
                var bytes = BitConverter.GetBytes(value);
                Span<byte> scratch = stackalloc byte[8];
                bytes.CopyTo(scratch);
                return MemoryMarshal.Cast<byte, int>(scratch)[0] + MemoryMarshal.Read<int>(bytes);
            }
        }
        """);

    [Fact]
    public Task Validated_decoding_of_stored_bytes() => VerifyAsync("""
        using System.Buffers.Binary;
        class C
        {
            long M(string path)
            {
                var bytes = File.ReadAllBytes(path);
                return bytes.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : throw new InvalidDataException("short");
            }
        }
        """);

    [Fact]
    public Task Writing_a_struct_to_a_stream_is_the_other_direction() => VerifyAsync("""
        class C
        {
            void M(Stream stream, Header header, Header[] headers)
            {
                stream.Write(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref header, 1)));
                stream.Write(MemoryMarshal.Cast<Header, byte>(headers));
                var buffer = new byte[8];
                MemoryMarshal.Write(buffer, in header.Length);
                stream.Write(buffer);
            }
        }
        """);

    [Fact]
    public Task Reading_into_a_plain_byte_buffer_and_viewing_it_without_reinterpreting() => VerifyAsync("""
        class C
        {
            byte M(Stream stream)
            {
                var buffer = new byte[16];
                stream.ReadExactly(buffer);
                ref var first = ref MemoryMarshal.GetReference(buffer.AsSpan());
                return Unsafe.Add(ref first, 3);
            }
        }
        """);

    [Fact]
    public Task A_method_marked_unchecked_passes_the_duty_to_its_callers() => VerifyAsync("""
        class C
        {
            [UncheckedDeserialization]
            internal static Header ReadRaw(Stream stream)
            {
                var buffer = new byte[16];
                stream.ReadExactly(buffer);
                return MemoryMarshal.Read<Header>(buffer);
            }
        }
        """);

    [Fact]
    public Task The_replacement_may_call_the_unchecked_api_after_validating() => VerifyAsync("""
        public sealed class Codec
        {
            [UncheckedDeserialization(nameof(ReadValidated))]
            public Header ReadUnchecked(ReadOnlySpan<byte> bytes) => default;

            public Header ReadValidated(ReadOnlySpan<byte> bytes) =>
                bytes.Length == 12 ? ReadUnchecked(bytes) : throw new InvalidDataException("length");
        }
        """);

    [Fact]
    public Task A_type_that_only_shares_a_formatters_simple_name() => VerifyAsync("""
        namespace MyApp
        {
            public sealed class BinaryFormatter
            {
                public object Deserialize(Stream stream) => stream.Length;
            }

            class C
            {
                object M(Stream stream) => new BinaryFormatter().Deserialize(stream);

                string N(string path) => File.ReadAllText(path).Trim();
            }
        }
        """);

    [Fact]
    public async Task Generated_code_is_not_analyzed()
    {
        var diagnostics = await AnalyzerHarness.GetDiagnosticsAsync("""
            // <auto-generated/>
            using System.Runtime.InteropServices;
            class C
            {
                long M(string path) => MemoryMarshal.Read<long>(File.ReadAllBytes(path));
            }
            """, new UncheckedDeserializationAnalyzer());

        Assert.Empty(diagnostics);
    }
}
