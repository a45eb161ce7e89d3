
namespace Bulwark.Interop.Tests;

/// <summary>
/// The interop tests compare readers against two things made in C#: the hand-written expectations of
/// <see cref="AllTypesTable"/> and <see cref="ArrowJson"/>'s description of Bulwark arrays. These agree on Bulwark's own
/// in-memory batches, so a difference in an interop test is the codec's or the other reader's, not the harness's.
/// </summary>
public sealed class TestDataSelfCheckTests
{
    [Fact]
    public void Built_batches_describe_as_the_expected_json()
    {
        var table = AllTypesTable.Create();
        var batches = table.BuildBatches(AllTypesTable.BatchSizes);
        try
        {
            ArrowJson.AssertEqual(AllTypesTable.ExpectedSchema(), ArrowJson.DescribeSchema(table.Schema), "schema");
            var expected = table.ExpectedBatches(AllTypesTable.BatchSizes);
            Assert.Equal(expected.Count, batches.Count);
            for (var i = 0; i < batches.Count; i++)
            {
                ArrowJson.AssertEqual(expected[i], ArrowJson.DescribeBatch(batches[i]), $"batch {i}");
            }
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public void Comparison_reports_value_type_and_length_differences()
    {
        var difference = Assert.Throws<Xunit.Sdk.XunitException>(() => ArrowJson.AssertEqual(
            System.Text.Json.Nodes.JsonNode.Parse("""{"a":[1,"2",null,"-0"],"b":{"c":true}}"""),
            System.Text.Json.Nodes.JsonNode.Parse("""{"a":[1,2,0,"0"],"b":{"c":false},"d":1}"""),
            "sample"));
        Assert.Contains("$.a[1]", difference.Message, StringComparison.Ordinal);
        Assert.Contains("$.a[2]", difference.Message, StringComparison.Ordinal);
        Assert.Contains("$.a[3]", difference.Message, StringComparison.Ordinal);
        Assert.Contains("$.b.c", difference.Message, StringComparison.Ordinal);
        Assert.Contains("$.d", difference.Message, StringComparison.Ordinal);
        ArrowJson.AssertEqual(System.Text.Json.Nodes.JsonNode.Parse("[1e-45, 0.1]"), System.Text.Json.Nodes.JsonNode.Parse("[1E-45, 0.1]"), "spelling");
    }
}
