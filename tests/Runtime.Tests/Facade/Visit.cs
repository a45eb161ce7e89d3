using Apache.Arrow;
using Apache.Arrow.Types;
using Bulwark.Arrow;
using Bulwark.Records;

namespace Bulwark.Runtime.Tests.Facade;

/// <summary>A hand-written <see cref="IArrowRecord{T}"/>, shaped like generated code, so the facade is tested on its own.</summary>
public sealed record Visit(long Id, string? Url, double Score, DateOnly Day) : IArrowRecord<Visit>
{
    public static string TableName => "visits";

    public static Schema ArrowSchema { get; } = new(
    [
        new Field("Id", Int64Type.Default, false),
        new Field("Url", StringType.Default, true),
        new Field("Score", DoubleType.Default, false),
        new Field("Day", Date32Type.Default, false),
    ], null);

    public static IArrowBatchBuilder<Visit> CreateBatchBuilder() => new Builder();

    public static Visit[] ReadBatch(RecordBatch batch)
    {
        var ids = Column<PrimitiveArray<long>>(batch, "Id");
        var urls = Column<StringArray>(batch, "Url");
        var scores = Column<PrimitiveArray<double>>(batch, "Score");
        var days = Column<PrimitiveArray<int>>(batch, "Day");
        var rows = new Visit[batch.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new Visit(ids.Values[i], urls.GetString(i), scores.Values[i], ArrowConvert.ToDateOnly(days.Values[i]));
        }

        return rows;
    }

    private static TArray Column<TArray>(RecordBatch batch, string name)
        where TArray : IArrowArray
    {
        var index = batch.Schema.GetFieldIndex(name);
        if (index < 0 || batch.Column(index) is not TArray array)
        {
            throw new ArrowSchemaMismatchException($"Visit: column '{name}' is missing or has another type.");
        }

        return array;
    }

    private sealed class Builder : IArrowBatchBuilder<Visit>
    {
        private readonly PrimitiveColumnBuilder<long> _ids = new(Int64Type.Default, "Id");
        private readonly Utf8ColumnBuilder _urls = new("Url");
        private readonly PrimitiveColumnBuilder<double> _scores = new(DoubleType.Default, "Score");
        private readonly PrimitiveColumnBuilder<int> _days = new(Date32Type.Default, "Day");

        public int Count => _ids.Length;

        public void Append(in Visit record)
        {
            _ids.Append(record.Id);
            _urls.Append(record.Url);
            _scores.Append(record.Score);
            _days.Append(ArrowConvert.ToDays(record.Day));
        }

        public RecordBatch Build()
        {
            var count = Count;
            return ColumnBuilder.BuildBatch(ArrowSchema, [_ids, _urls, _scores, _days], count);
        }

        public void Clear()
        {
            _ids.Clear();
            _urls.Clear();
            _scores.Clear();
            _days.Clear();
        }

        public void Dispose()
        {
            _ids.Dispose();
            _urls.Dispose();
            _scores.Dispose();
            _days.Dispose();
        }
    }
}
