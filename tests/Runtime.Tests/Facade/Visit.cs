using Bulwark.Arrow;
using Bulwark.Records;

namespace Bulwark.Runtime.Tests.Facade;

/// <summary>A hand-written <see cref="IArrowRecord{T}"/>, shaped like generated code, so the facade is tested on its own.</summary>
public sealed record Visit(long Id, string? Url, double Score, DateOnly Day) : IArrowRecord<Visit>
{
    public static string TableName => "visits";

    public static Schema ArrowSchema { get; } = new(
    [
        new Field("Id", IntType.Int64, false),
        new Field("Url", Utf8Type.Default, true),
        new Field("Score", FloatingPointType.Float64, false),
        new Field("Day", DateType.Date32, false),
    ]);

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
            rows[i] = new Visit(ids.GetValue(i), urls.GetString(i), scores.GetValue(i), ArrowConvert.ToDateOnly(days.GetValue(i)));
        }

        return rows;
    }

    private static TArray Column<TArray>(RecordBatch batch, string name)
        where TArray : ArrowArray
    {
        var index = batch.Schema.IndexOf(name);
        if (index < 0 || batch.Column(index) is not TArray array)
        {
            throw new ArrowSchemaMismatchException($"Visit: column '{name}' is missing or has another type.");
        }

        return array;
    }

    private sealed class Builder : IArrowBatchBuilder<Visit>
    {
        private readonly PrimitiveBuilder<long> _ids = new(IntType.Int64, "Id");
        private readonly Utf8Builder _urls = new("Url");
        private readonly PrimitiveBuilder<double> _scores = new(FloatingPointType.Float64, "Score");
        private readonly PrimitiveBuilder<int> _days = new(DateType.Date32, "Day");

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
            return new RecordBatch(ArrowSchema, [_ids.Build(), _urls.Build(), _scores.Build(), _days.Build()], count);
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
