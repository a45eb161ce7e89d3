using Bulwark.Analyzers.CodeFixes;

namespace Bulwark.Analyzers.Tests;

/// <summary>BWK1001's fix: switch to the validated API where one exists; the fixed document must compile and be silent.</summary>
public sealed class Bwk1001CodeFixTests
{
    private static async Task<string> FixAsync(string source, string? actionTitle = null)
    {
        var fixedText = await CodeFixHarness.ApplyFixAsync(source, new UncheckedDeserializationAnalyzer(), new UncheckedDeserializationCodeFix(), "BWK1001", actionTitle);
        Assert.Empty(await AnalyzerHarness.GetDiagnosticsAsync(fixedText, new UncheckedDeserializationAnalyzer()));
        return fixedText;
    }

    [Fact]
    public async Task Marked_api_is_renamed_to_its_replacement_keeping_receiver_and_arguments()
    {
        var fixedText = await FixAsync("""
            using Bulwark;

            public sealed class Codec
            {
                [UncheckedDeserialization(nameof(ReadValidated))]
                public long ReadUnchecked(byte[] bytes, int offset) => bytes[offset];

                public long ReadValidated(byte[] bytes, int offset) => offset < bytes.Length ? bytes[offset] : throw new InvalidDataException();
            }

            class C
            {
                long M(Codec codec, string path) => codec.ReadUnchecked(File.ReadAllBytes(path), offset: 4) + 1;
            }
            """);

        Assert.Equal("""
            using Bulwark;

            public sealed class Codec
            {
                [UncheckedDeserialization(nameof(ReadValidated))]
                public long ReadUnchecked(byte[] bytes, int offset) => bytes[offset];

                public long ReadValidated(byte[] bytes, int offset) => offset < bytes.Length ? bytes[offset] : throw new InvalidDataException();
            }

            class C
            {
                long M(Codec codec, string path) => codec.ReadValidated(File.ReadAllBytes(path), offset: 4) + 1;
            }
            """, fixedText);
    }

    [Fact]
    public async Task Generic_and_unqualified_calls_keep_their_type_arguments()
    {
        var fixedText = await FixAsync("""
            using Bulwark;

            public class Store
            {
                [UncheckedDeserialization("LoadChecked")]
                protected static T Load<T>(byte[] bytes) where T : new() => new T();

                protected static T LoadChecked<T>(byte[] bytes) where T : new() => bytes.Length > 0 ? new T() : throw new InvalidDataException();

                public object M(byte[] bytes) => Load<object>(bytes);
            }
            """);

        Assert.Contains("public object M(byte[] bytes) => LoadChecked<object>(bytes);", fixedText);
    }

    [Fact]
    public async Task Dotted_replacement_replaces_the_whole_callee()
    {
        var fixedText = await FixAsync("""
            using Bulwark;

            public static class Legacy
            {
                [UncheckedDeserialization("Checked.Decode")]
                public static int Decode(byte[] bytes) => bytes[0];
            }

            public static class Checked
            {
                public static int Decode(byte[] bytes) => bytes.Length == 1 ? bytes[0] : throw new InvalidDataException();
            }

            class C
            {
                int M(byte[] bytes) => Legacy.Decode(bytes);
            }
            """);

        Assert.Contains("int M(byte[] bytes) => Checked.Decode(bytes);", fixedText);
    }

    [Fact]
    public async Task Read_of_a_primitive_becomes_BinaryPrimitives_with_the_using_added_in_order()
    {
        var fixedText = await FixAsync("""
            using System.Runtime.InteropServices;

            class C
            {
                long M(Stream stream)
                {
                    var buffer = new byte[8];
                    stream.ReadExactly(buffer);
                    return MemoryMarshal.Read<long>(buffer);
                }
            }
            """);

        Assert.Equal("""
            using System.Buffers.Binary;
            using System.Runtime.InteropServices;

            class C
            {
                long M(Stream stream)
                {
                    var buffer = new byte[8];
                    stream.ReadExactly(buffer);
                    return BinaryPrimitives.ReadInt64LittleEndian(buffer);
                }
            }
            """, fixedText);
    }

    [Fact]
    public async Task TryRead_of_a_float_becomes_the_TryRead_form_and_an_existing_using_is_reused()
    {
        var fixedText = await FixAsync("""
            using System;
            using System.Buffers.Binary;
            using System.Runtime.InteropServices;

            class C
            {
                float M(string path)
                {
                    var bytes = File.ReadAllBytes(path).AsSpan(4);
                    return MemoryMarshal.TryRead(bytes, out float value) ? value : float.NaN;
                }
            }
            """);

        Assert.Contains("return BinaryPrimitives.TryReadSingleLittleEndian(bytes, out float value) ? value : float.NaN;", fixedText);
        Assert.Single(fixedText.Split('\n'), line => line.Contains("using System.Buffers.Binary;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_conflicting_BinaryPrimitives_in_scope_gets_the_fully_qualified_name()
    {
        var fixedText = await FixAsync("""
            using System.Runtime.InteropServices;

            namespace App
            {
                static class BinaryPrimitives
                {
                }

                class C
                {
                    int M(string path) => MemoryMarshal.Read<int>(File.ReadAllBytes(path));
                }
            }
            """);

        Assert.Contains("int M(string path) => global::System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(File.ReadAllBytes(path));", fixedText);
        Assert.DoesNotContain("using System.Buffers.Binary;", fixedText);
    }

    [Fact]
    public async Task No_fix_where_there_is_no_validated_counterpart()
    {
        const string structCast = """
            using System.Runtime.InteropServices;

            struct Header { public int Magic; }

            class C
            {
                Header M(string path) => MemoryMarshal.Read<Header>(File.ReadAllBytes(path));

                int N(string path) => MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(path))[0];
            }
            """;

        await CodeFixHarness.VerifyNoFixAsync(structCast, new UncheckedDeserializationAnalyzer(), new UncheckedDeserializationCodeFix(), "BWK1001");
    }

    [Fact]
    public async Task The_action_is_titled_with_the_replacement()
    {
        var titles = await CodeFixHarness.GetActionTitlesAsync("""
            using System.Runtime.InteropServices;
            class C
            {
                ushort M(string path) => MemoryMarshal.Read<ushort>(File.ReadAllBytes(path));
            }
            """, new UncheckedDeserializationAnalyzer(), new UncheckedDeserializationCodeFix(), "BWK1001");

        Assert.Equal("Use 'BinaryPrimitives.ReadUInt16LittleEndian'", Assert.Single(titles));
    }
}
