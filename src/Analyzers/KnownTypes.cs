namespace Bulwark.Analyzers;

/// <summary>The types the analyzers recognise, by metadata name (see <see cref="TypeName"/>).</summary>
internal static class KnownTypes
{
    public static readonly TypeName MustCommitAttribute = new("Bulwark.MustCommitAttribute");
    public static readonly TypeName MustCheckResultAttribute = new("Bulwark.MustCheckResultAttribute");
    public static readonly TypeName UncheckedDeserializationAttribute = new("Bulwark.UncheckedDeserializationAttribute");
    public static readonly TypeName RequiresDirectorySyncAttribute = new("Bulwark.RequiresDirectorySyncAttribute");

    public static readonly TypeName PendingFile = new("Bulwark.Storage.PendingFile");
    public static readonly TypeName StorageBackend = new("Bulwark.Storage.IStorageBackend");

    public static readonly TypeName Stream = new("System.IO.Stream");
    public static readonly TypeName File = new("System.IO.File");
    public static readonly TypeName Directory = new("System.IO.Directory");
    public static readonly TypeName BinaryReader = new("System.IO.BinaryReader");
    public static readonly TypeName MemoryStream = new("System.IO.MemoryStream");
    public static readonly TypeName RandomAccess = new("System.IO.RandomAccess");
    public static readonly TypeName PipeReader = new("System.IO.Pipelines.PipeReader");
    public static readonly TypeName ReadResult = new("System.IO.Pipelines.ReadResult");
    public static readonly TypeName MemoryMappedViewAccessor = new("System.IO.MemoryMappedFiles.MemoryMappedViewAccessor");

    public static readonly TypeName MemoryMarshal = new("System.Runtime.InteropServices.MemoryMarshal");
    public static readonly TypeName Unsafe = new("System.Runtime.CompilerServices.Unsafe");
    public static readonly TypeName BinaryPrimitives = new("System.Buffers.Binary.BinaryPrimitives");
    public static readonly TypeName BitConverter = new("System.BitConverter");
    public static readonly TypeName GC = new("System.GC");
    public static readonly TypeName ArgumentOutOfRangeException = new("System.ArgumentOutOfRangeException");
    public static readonly TypeName Math = new("System.Math");

    public static readonly TypeName Span = new("System.Span`1");
    public static readonly TypeName ReadOnlySpan = new("System.ReadOnlySpan`1");
    public static readonly TypeName Memory = new("System.Memory`1");
    public static readonly TypeName ReadOnlyMemory = new("System.ReadOnlyMemory`1");
    public static readonly TypeName ArraySegment = new("System.ArraySegment`1");
    public static readonly TypeName ReadOnlySequence = new("System.Buffers.ReadOnlySequence`1");

    public static readonly TypeName Task = new("System.Threading.Tasks.Task");
    public static readonly TypeName TaskOfT = new("System.Threading.Tasks.Task`1");
    public static readonly TypeName ValueTask = new("System.Threading.Tasks.ValueTask");
    public static readonly TypeName ValueTaskOfT = new("System.Threading.Tasks.ValueTask`1");
    public static readonly TypeName CancellationToken = new("System.Threading.CancellationToken");
    public static readonly TypeName TimeSpan = new("System.TimeSpan");
    public static readonly TypeName OperationCanceledException = new("System.OperationCanceledException");
}
