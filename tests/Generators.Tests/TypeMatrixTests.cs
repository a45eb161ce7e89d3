namespace Bulwark.Generators.Tests;

/// <summary>
/// Every supported element type in every supported shape (plain, nullable, array, list, read-only list, IList, with
/// nullable items): the generator must accept each and the result must compile without a warning.
/// </summary>
public sealed class TypeMatrixTests
{
    public static TheoryData<string> ElementTypes =>
    [
        "bool", "sbyte", "short", "int", "long", "byte", "ushort", "uint", "ulong", "float", "double", "decimal", "string",
        "byte[]", "DateTime", "DateTimeOffset", "DateOnly", "TimeOnly", "TimeSpan", "Guid", "Color", "Leaf", "Spot",
    ];

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void EveryShapeOfTheTypeCompiles(string type)
    {
        var attribute = type == "decimal" ? "[property: Decimal(12, 3)] " : string.Empty;
        var source = $$"""
            using System;
            using System.Collections.Generic;
            using Bulwark;

            namespace Matrix;

            public enum Color { Red, Green }

            [ArrowRecord]
            public partial record Leaf(int Id, string? Name);

            [ArrowRecord]
            public partial record struct Spot(double X, Color Color);

            [ArrowRecord]
            public partial record Holder(
                {{attribute}}{{type}} Plain,
                {{attribute}}{{type}}? Maybe,
                {{attribute}}{{type}}[] Array,
                {{attribute}}{{type}}?[]? MaybeArray,
                {{attribute}}List<{{type}}> List,
                {{attribute}}List<{{type}}?>? MaybeList,
                {{attribute}}IReadOnlyList<{{type}}> ReadOnly,
                {{attribute}}IList<{{type}}?>? Mutable);
            """;
        var run = GeneratorHarness.Run(source);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
        Assert.True(run.CompilationDiagnostics.IsEmpty, string.Join("\n", run.CompilationDiagnostics));
        Assert.Equal(3, run.Sources.Count);
    }
}
