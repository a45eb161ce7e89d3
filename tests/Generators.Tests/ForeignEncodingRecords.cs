using Bulwark;

namespace Bulwark.Generators.Tests.Foreign;

// One member per record, so each test builds a single foreign-encoded column named "Value" and reads it back.
public enum Fruit
{
    Apple,
    Banana,
    Cherry,
}

[ArrowRecord] public partial record TextRow(string Value);

[ArrowRecord] public partial record MaybeTextRow(string? Value);

[ArrowRecord] public partial record BlobRow(byte[] Value);

[ArrowRecord] public partial record FruitRow(Fruit Value);

[ArrowRecord] public partial record MaybeFruitRow(Fruit? Value);

[ArrowRecord] public partial record InstantRow(DateTime Value);

[ArrowRecord] public partial record InstantOffsetRow(DateTimeOffset Value);

[ArrowRecord] public partial record DayRow(DateOnly Value);

[ArrowRecord] public partial record ClockRow(TimeOnly Value);

[ArrowRecord] public partial record SpanRow(TimeSpan Value);

[ArrowRecord] public partial record PriceRow([property: Decimal(10, 2)] decimal Value);

[ArrowRecord] public partial record UuidRow(Guid Value);

[ArrowRecord] public partial record CountRow(long Value);

[ArrowRecord] public partial record RatioRow(double Value);

[ArrowRecord] public partial record TagsRow(List<string> Value);

[ArrowRecord] public partial record TimesRow(DateTime[] Value);

[ArrowRecord] public partial record Holder(int Id, TextRow Inner);
