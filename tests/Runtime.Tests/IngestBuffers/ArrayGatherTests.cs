using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Ingest;
using Bulwark.Records;
using Xunit;

namespace Bulwark.Runtime.Tests.IngestBuffers;

/// <summary>
/// The column-by-column copy a cut makes of its visits' rows: whatever runs of whichever sources it is given, the
/// result reads back as exactly those rows, in that order — for every layout a generated builder produces.
/// </summary>
public sealed class ArrayGatherTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void GatheredRunsReadBackAsTheRowsTheyName(int seed)
    {
        var random = new Random(seed);
        var rows = new List<LayoutRow[]>();
        var sources = new List<RecordBatch>();
        try
        {
            // Uneven sources (one of a single row): bitmaps and offsets end mid-byte, and each source's offsets start at 0.
            foreach (var size in new[] { 37, 1, 130, 9 })
            {
                var source = Enumerable.Range(0, size).Select(i => LayoutRows.Create(random, sources.Count, i)).ToArray();
                rows.Add(source);
                sources.Add(Build(source));
            }

            var ranges = new List<GatherRange>();
            for (var i = 0; i < 60; i++)
            {
                var from = random.Next(sources.Count);
                var start = random.Next(rows[from].Length);
                ranges.Add(new GatherRange(from, start, random.Next(rows[from].Length - start + 1)));
            }

            var expected = ranges.SelectMany(r => rows[r.Source].Skip(r.Start).Take(r.Count)).Select(r => r.Describe()).ToArray();
            Assert.Equal(expected, ReadGathered(sources, ranges));
        }
        finally
        {
            sources.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void SourcesThatAreSlicesOfLargerArraysAreReadFromTheirOffset()
    {
        var random = new Random(42);
        var all = Enumerable.Range(0, 50).Select(i => LayoutRows.Create(random, 1, i)).ToArray();
        using var whole = Build(all);
        using var first = whole.Slice(3, 20);
        using var second = whole.Slice(29, 13);

        // Rows 5..11 of the first slice, then 0..12 of the second, then 0..2 of the first.
        var ranges = new[] { new GatherRange(0, 5, 7), new GatherRange(1, 0, 13), new GatherRange(0, 0, 3) };
        var expected = all.Skip(8).Take(7).Concat(all.Skip(29).Take(13)).Concat(all.Skip(3).Take(3)).Select(r => r.Describe()).ToArray();

        Assert.Equal(expected, ReadGathered([first, second], ranges));
    }

    [Fact]
    public void EnumColumnsWithTheSameDictionaryCanBeGatheredOthersCannot()
    {
        var random = new Random(7);
        using var a = Build([LayoutRows.Create(random, 1, 0)]);
        using var b = Build([LayoutRows.Create(random, 2, 0)]);
        var color = a.Schema.GetFieldIndex("Color");
        Assert.True(ArrayGather.CanGather(a.Schema.FieldsList[color].DataType, [a.Column(color).Data, b.Column(color).Data]));

        // The same values over a dictionary of its own (as another writer could produce): the indices would mean other values.
        var other = a.Column(color).Data;
        var foreign = new ArrayData(other.DataType, other.Length, other.NullCount, other.Offset, other.Buffers, other.Children, DictionaryColumnBuilder.CreateUtf8Dictionary(["Red", "Green", "Blue"]));
        Assert.False(ArrayGather.CanGather(a.Schema.FieldsList[color].DataType, [other, foreign]));
    }

    /// <summary>
    /// A hand-written builder's dictionary lives in the native memory of the batch it built, and the cut frees its
    /// source batches once the gather is done: the gathered column must hold a dictionary of its own.
    /// </summary>
    [Fact]
    public void A_gathered_dictionary_column_outlives_the_batch_its_dictionary_came_from()
    {
        var type = new DictionaryType(Int32Type.Default, StringType.Default, false);
        var source = new DictionaryArray(type, new Int32Array.Builder().AppendRange([2, 0, 1, 2]).Build(), new StringArray.Builder().AppendRange(["red", "blue", "green"]).Build());
        var lease = new BufferLease();
        Assert.True(ArrayGather.CanGather(type, [source.Data]));

        var gathered = new DictionaryArray(ArrayGather.Gather(type, [source.Data], [new GatherRange(0, 1, 3)], lease));
        source.Dispose();

        var values = (StringArray)gathered.Dictionary;
        Assert.Equal(["red", "blue", "green"], Enumerable.Range(0, gathered.Length).Select(i => values.GetString(((Int32Array)gathered.Indices).GetValue(i)!.Value)));
        lease.Return();
    }

    [Fact]
    public void A_gathered_array_counts_its_nulls_as_its_bitmap_does()
    {
        var a = new Int32Array.Builder().Append(1).AppendNull().Append(3).AppendNull().Build();
        var b = new Int32Array.Builder().AppendNull().Append(5).Build();
        var full = new Int32Array.Builder().Append(7).Append(8).Build();
        var lease = new BufferLease();

        // Writers copy NullCount into the file (Arrow IPC field nodes, Parquet statistics): it must match the bitmap.
        var gathered = new Int32Array(ArrayGather.Gather(Int32Type.Default, [a.Data, b.Data, full.Data], [new GatherRange(0, 1, 3), new GatherRange(1, 0, 2), new GatherRange(2, 0, 2)], lease));
        var noNulls = ArrayGather.Gather(Int32Type.Default, [a.Data, full.Data], [new GatherRange(0, 2, 1), new GatherRange(1, 0, 2)], lease);

        Assert.Equal([null, 3, null, null, 5, 7, 8], Enumerable.Range(0, gathered.Length).Select(i => gathered.GetValue(i)));
        Assert.Equal(3, gathered.NullCount);
        Assert.Equal(0, noNulls.NullCount);
        lease.Return();
    }

    [Fact]
    public void Types_no_column_builder_produces_are_not_gathered_even_inside_a_struct_or_list()
    {
        var text = new LargeStringArray.Builder().Append("x").Build();
        var inStruct = new StructType([new Field("t", LargeStringType.Default, true)]);
        var inList = new ListType(new Field("item", LargeStringType.Default, true));
        var structData = new ArrayData(inStruct, 1, 0, 0, [ArrowBuffer.Empty], [text.Data]);
        var listData = new ArrayData(inList, 1, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer.Builder<int>().Append(0).Append(1).Build()], [text.Data]);

        Assert.False(ArrayGather.CanGather(LargeStringType.Default, [text.Data]));
        Assert.False(ArrayGather.CanGather(inStruct, [structData]));
        Assert.False(ArrayGather.CanGather(inList, [listData]));
        var refused = Assert.Throws<NotSupportedException>(() => ArrayGather.Gather(LargeStringType.Default, [text.Data], [new GatherRange(0, 0, 1)], new BufferLease()));
        Assert.Equal($"Arrays of {ArrowTypes.Describe(LargeStringType.Default)} cannot be gathered.", refused.Message);
    }

    [Fact]
    public void Every_array_a_gather_rents_goes_back_to_the_pool_when_its_lease_is_returned()
    {
        // A rented array the lease does not hold is never returned: each flush would allocate its buffers anew.
        var random = new Random(7);
        using var source = Build(Enumerable.Range(0, 40).Select(i => LayoutRows.Create(random, 0, i)).ToArray());
        var lease = new BufferLease();
        using var pool = new PoolEventsOfThisThread();

        for (var c = 0; c < source.ColumnCount; c++)
        {
            ArrayGather.Gather(source.Schema.FieldsList[c].DataType, [source.Column(c).Data], [new GatherRange(0, 3, 30), new GatherRange(0, 1, 5)], lease);
        }

        var rented = pool.Rented.ToHashSet();
        lease.Return();

        Assert.NotEmpty(rented);
        Assert.Subset(pool.Returned.ToHashSet(), rented);
    }

    internal static RecordBatch Build(IEnumerable<LayoutRow> rows)
    {
        using var builder = LayoutRow.CreateBatchBuilder();
        foreach (var row in rows)
        {
            builder.Append(in row);
        }

        return builder.Build();
    }

    private static string[] ReadGathered(IReadOnlyList<RecordBatch> sources, IReadOnlyList<GatherRange> ranges)
    {
        var schema = sources[0].Schema;
        var lease = new BufferLease();
        var arrays = new IArrowArray[schema.FieldsList.Count];
        for (var c = 0; c < arrays.Length; c++)
        {
            var columns = sources.Select(s => s.Column(c).Data).ToArray();
            Assert.True(ArrayGather.CanGather(schema.FieldsList[c].DataType, columns), schema.FieldsList[c].Name);
            arrays[c] = ArrowArrayFactory.BuildArray(ArrayGather.Gather(schema.FieldsList[c].DataType, columns, ranges.ToArray(), lease));
        }

        using var gathered = new PooledRecordBatch(schema, arrays, ranges.Sum(r => r.Count), lease);
        return LayoutRow.ReadBatch(gathered).Select(r => r.Describe()).ToArray();
    }

    /// <summary>The ids of the arrays the shared byte pool rents out and takes back on the thread that made this.</summary>
    private sealed class PoolEventsOfThisThread : EventListener
    {
        // Initialized before the base constructor, which already reports the event sources that exist.
        private readonly int thread = Environment.CurrentManagedThreadId;

        public ConcurrentQueue<int> Rented { get; } = new();

        public ConcurrentQueue<int> Returned { get; } = new();

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "System.Buffers.ArrayPoolEventSource")
            {
                EnableEvents(eventSource, EventLevel.Verbose);
            }
        }

        // Listeners are called on the thread that writes the event, so the thread tells this test's rents from others'.
        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (Environment.CurrentManagedThreadId != thread || eventData.Payload is not [int bufferId, ..])
            {
                return;
            }

            (eventData.EventName switch
            {
                "BufferRented" => Rented,
                "BufferReturned" => Returned,
                _ => null,
            })?.Enqueue(bufferId);
        }
    }
}
