using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Arrow;

namespace Bulwark.Interop.Tests;

/// <summary>
/// A file apache-arrow (JS) writes with its default type inference (<c>tableFromArrays</c> over plain JS arrays), read
/// into a generated record with <see cref="ArrowFile.ReadAsync{T}"/>: dictionary-encoded strings and enum names, a
/// zone-less timestamp[ms], nullable columns behind non-nullable members. Every value must equal what the script printed.
/// </summary>
public sealed class ArrowJsDefaultEncodingsReadByBulwarkTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    [NodeFact]
    public async Task Table_from_plain_js_arrays_reads_into_a_generated_record_exactly()
    {
        var path = _directory.File("foreign.arrow");
        var result = await NodeEnvironment.RunScriptAsync("write-foreign.mjs", [path]);
        var printed = JsonNode.Parse(result.StandardOutput) ?? throw new InvalidOperationException("write-foreign.mjs printed nothing.");

        // Guards the premise: these are the encodings arrow-js really chose, none of them the one Bulwark writes.
        var types = printed["schema"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["type"]!.GetValue<string>());
        Assert.Equal("Int64", types["visit_id"]);
        Assert.Equal("dictionary<Int32, Utf8>", types["url"]);
        Assert.Equal("dictionary<Int32, Utf8>", types["referrer"]);
        Assert.Equal("dictionary<Int32, Utf8>", types["status"]);
        Assert.Equal("Float64", types["score"]);
        Assert.Equal("timestamp[ms]", types["fetched_at"]);
        Assert.Equal("Bool", types["ok"]);

        var expected = printed["rows"]!.AsArray().Select(r => new ForeignCrawlRow(
            long.Parse(r!["visit_id"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            r["url"]!.GetValue<string>(),
            r["referrer"]?.GetValue<string>(),
            r["status"] is { } status ? Enum.Parse<CrawlStatus>(status.GetValue<string>()) : null,
            double.Parse(r["score"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            DateTime.UnixEpoch.AddMilliseconds(r["fetched_at_ms"]!.GetValue<long>()),
            r["ok"]!.GetValue<bool>())).ToArray();
        Assert.Equal(5, expected.Length);

        var rows = await ArrowFile.ReadAsync<ForeignCrawlRow>(path);
        Assert.Equal(expected.Length, rows.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            // Records compare doubles with Equals, which cannot tell -0 from 0: compare the bits as well.
            Assert.Equal(expected[i], rows[i]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i].Score), BitConverter.DoubleToInt64Bits(rows[i].Score));
            Assert.Equal(DateTimeKind.Utc, rows[i].FetchedAt.Kind);
        }

        var instants = await ArrowFile.ReadAsync<ForeignCrawlInstant>(path);
        Assert.Equal(
            expected.Select(e => (e.Url, new DateTimeOffset(e.FetchedAt))),
            instants.Select(r => (r.Url, r.FetchedAt)));
    }

    public void Dispose() => _directory.Dispose();
}
