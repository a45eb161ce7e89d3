namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1001, the length shape: an integer decoded from stored bytes that sizes an allocation or a read with no bound
/// check first (after a torn write the length is garbage and the reader allocates gigabytes), and the silent
/// neighbours where it is bounded or not from storage at all.
/// </summary>
public sealed class Bwk1001LengthTests
{
    private const string Usings = """
        using System.Buffers;
        using System.Buffers.Binary;
        using Bulwark.Storage;

        """;

    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(Usings + markup, new UncheckedDeserializationAnalyzer());

    // ---- positives -------------------------------------------------------------------------------------------

    [Fact]
    public Task Binary_reader_over_a_file_sizes_a_read() => VerifyAsync("""
        class C
        {
            byte[] M(string path)
            {
                using var reader = new BinaryReader(File.OpenRead(path));
                var length = reader.ReadInt32();
                return [|reader.ReadBytes(length)|];
            }
        }
        """);

    [Fact]
    public Task BitConverter_over_a_header_read_from_a_stream_sizes_an_array() => VerifyAsync("""
        class C
        {
            byte[] M(Stream stream)
            {
                var header = new byte[8];
                stream.ReadExactly(header);
                var length = BitConverter.ToInt32(header, 4);
                var payload = [|new byte[length]|];
                stream.ReadExactly(payload);
                return payload;
            }
        }
        """);

    [Fact]
    public Task BinaryPrimitives_over_file_bytes_rents_from_the_pool() => VerifyAsync("""
        class C
        {
            byte[] M(string path)
            {
                var bytes = File.ReadAllBytes(path);
                var count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16));
                return [|ArrayPool<byte>.Shared.Rent(count)|];
            }
        }
        """);

    [Fact]
    public Task Seven_bit_count_sizes_a_list_and_a_long_sizes_an_uninitialized_array() => VerifyAsync("""
        class C
        {
            List<string> M(BinaryReader reader)
            {
                var count = reader.Read7BitEncodedInt();
                var names = [|new List<string>(count)|];
                var size = reader.ReadInt64();
                var blob = [|GC.AllocateUninitializedArray<byte>((int)size)|];
                return names;
            }
        }
        """);

    [Fact]
    public Task Random_access_read_then_stackalloc_and_slice() => VerifyAsync("""
        using Microsoft.Win32.SafeHandles;
        class C
        {
            int M(SafeFileHandle file)
            {
                Span<byte> header = stackalloc byte[4];
                RandomAccess.Read(file, header, 0);
                var n = BinaryPrimitives.ReadUInt16BigEndian(header);
                Span<byte> body = [|stackalloc byte[n]|];
                return [|header.Slice(0, n)|].Length + body.Length;
            }
        }
        """);

    [Fact]
    public Task Async_read_then_a_read_length_with_arithmetic() => VerifyAsync("""
        class C
        {
            async Task<int> M(IStorageBackend backend, CancellationToken ct)
            {
                await using var stream = await backend.OpenReadAsync("segments/0", ct);
                var prefix = new byte[4];
                await stream.ReadExactlyAsync(prefix, ct);
                var records = BitConverter.ToInt32(prefix);
                var buffer = new byte[4096];
                return await [|stream.ReadAsync(buffer, 0, records * 16 + 4, ct)|];
            }
        }
        """);

    [Fact]
    public Task A_lower_bound_alone_does_not_cap_the_length() => VerifyAsync("""
        class C
        {
            byte[] M(BinaryReader reader)
            {
                var length = reader.ReadInt32();
                if (length < 0)
                {
                    throw new InvalidDataException($"negative length {length}");
                }

                return [|new byte[length]|];
            }
        }
        """);

    [Fact]
    public Task A_check_that_only_logs_does_not_cap_the_length() => VerifyAsync("""
        class C
        {
            const int MaxRecord = 1 << 20;

            byte[] M(Stream stream)
            {
                var header = new byte[4];
                stream.ReadExactly(header);
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (length > MaxRecord)
                {
                    Console.WriteLine("large record");
                }

                return [|new byte[length]|];
            }
        }
        """);

    [Fact]
    public Task TryRead_out_value_sizes_an_array() => VerifyAsync("""
        class C
        {
            byte[]? M(string path)
            {
                var bytes = File.ReadAllBytes(path);
                if (!BinaryPrimitives.TryReadInt32LittleEndian(bytes, out var length))
                {
                    return null;
                }

                return [|new byte[length]|];
            }
        }
        """);

    [Fact]
    public Task The_check_must_come_between_the_read_and_the_use() => VerifyAsync("""
        class C
        {
            byte[] M(BinaryReader reader, int previous)
            {
                var length = previous;
                if (length > 4096)
                {
                    throw new InvalidDataException("too long");
                }

                length = reader.ReadInt32();
                return [|new byte[length]|];
            }
        }
        """);

    [Fact]
    public async Task Message_names_the_decoding_api_and_the_use()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync(Usings + """
            class C
            {
                byte[] M(BinaryReader reader) => new byte[reader.ReadInt32()];
            }
            """, new UncheckedDeserializationAnalyzer()));

        Assert.Equal("new byte[reader.ReadInt32()]", diagnostic.SpanText);
        Assert.Contains("'BinaryReader.ReadInt32' reinterprets bytes read from storage as the length for 'new byte[]'", diagnostic.Message);
        Assert.Contains("compare the length against a limit or the bytes remaining", diagnostic.Message);
        Assert.False(diagnostic.Diagnostic.Properties.ContainsKey(UncheckedDeserializationAnalyzer.FixKey));
    }

    // ---- negatives: bounded lengths and lengths that are not from storage --------------------------------------

    [Fact]
    public Task Range_check_that_throws() => VerifyAsync("""
        class C
        {
            const int MaxRecord = 1 << 20;

            byte[] M(BinaryReader reader)
            {
                var length = reader.ReadInt32();
                if (length < 0 || length > MaxRecord)
                {
                    throw new InvalidDataException($"corrupt length {length}");
                }

                return reader.ReadBytes(length);
            }
        }
        """);

    [Fact]
    public Task Pattern_check_and_use_inside_the_bounded_branch() => VerifyAsync("""
        class C
        {
            byte[] M(Stream stream)
            {
                var header = new byte[4];
                stream.ReadExactly(header);
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (length is < 0 or > 65536)
                {
                    throw new InvalidDataException("corrupt");
                }

                var first = new byte[length];
                var count = BitConverter.ToInt32(header);
                if (count is >= 0 and <= 1024)
                {
                    return new byte[count];
                }

                return first;
            }
        }
        """);

    [Fact]
    public Task Against_the_bytes_remaining_and_with_a_throw_helper() => VerifyAsync("""
        class C
        {
            byte[] M(BinaryReader reader)
            {
                var length = reader.ReadInt32();
                if ((uint)length > reader.BaseStream.Length - reader.BaseStream.Position)
                {
                    throw new InvalidDataException("length past the end of the file");
                }

                var data = reader.ReadBytes(length);
                var count = reader.ReadInt32();
                ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1000);
                var items = new List<int>(count);
                return data;
            }
        }
        """);

    [Fact]
    public Task Checked_through_a_derived_local_and_clamped_with_Math_Min() => VerifyAsync("""
        class C
        {
            void M(Stream stream, byte[] buffer)
            {
                var header = new byte[8];
                stream.ReadExactly(header);
                var records = BitConverter.ToInt32(header);
                var size = records * 16;
                if (size > buffer.Length)
                {
                    throw new InvalidDataException("too many records");
                }

                stream.ReadExactly(buffer, 0, size);
                long remaining = BitConverter.ToInt64(header);
                while (remaining > 0)
                {
                    var chunk = (int)Math.Min(remaining, buffer.Length);
                    stream.ReadExactly(buffer, 0, chunk);
                    remaining -= chunk;
                }
            }
        }
        """);

    [Fact]
    public Task A_validating_helper_that_compares_and_throws() => VerifyAsync("""
        class C
        {
            const int MaxRecord = 1 << 20;

            byte[] M(BinaryReader reader)
            {
                var length = reader.ReadInt32();
                ValidateLength(length);
                var data = reader.ReadBytes(length);
                var count = reader.ReadInt32();
                Log(count);
                return [|new byte[count]|];
            }

            static void ValidateLength(int value)
            {
                if (value is < 0 or > MaxRecord)
                {
                    throw new InvalidDataException($"corrupt length {value}");
                }
            }

            static void Log(int value) => Console.WriteLine(value > 100 ? "large" : "small");
        }
        """);

    [Fact]
    public Task Lengths_from_in_memory_bytes_and_parameters() => VerifyAsync("""
        class C
        {
            byte[] M(byte[] frame, int requested)
            {
                var constant = BitConverter.ToInt32(new byte[] { 16, 0, 0, 0 });
                using var reader = new BinaryReader(new MemoryStream(new byte[] { 8, 0, 0, 0 }));
                var small = new byte[reader.ReadInt32() + constant];
                var fromCaller = new byte[BinaryPrimitives.ReadInt32LittleEndian(frame)];
                return new byte[requested];
            }
        }
        """);

    [Fact]
    public Task Stored_values_used_as_something_other_than_a_length() => VerifyAsync("""
        class C
        {
            long M(BinaryReader reader)
            {
                var version = reader.ReadInt32();
                if (version != 2)
                {
                    throw new InvalidDataException($"unknown version {version}");
                }

                var timestamp = reader.ReadInt64();
                return timestamp + version;
            }
        }
        """);
}
