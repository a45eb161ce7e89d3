using Bulwark.Tests.UpsertWorker;

namespace Bulwark.Shards.PostgreSql.Tests.Upsert;

/// <summary>Comparing update lists of the replica processes with what <see cref="Bulwark.Testing.UpsertReference"/> says one writer writes.</summary>
internal static class UpdateOrder
{
    /// <summary>A canonical order for comparing update lists.</summary>
    public static (long Time, long Key, string Value, long Diff)[] Sorted(IEnumerable<Update<KeyedValue>> updates) =>
        updates.Select(u => (u.Time, u.Row.Key, u.Row.Value, u.Diff))
            .OrderBy(u => u.Time).ThenBy(u => u.Key).ThenBy(u => u.Value, StringComparer.Ordinal).ThenBy(u => u.Diff)
            .ToArray();
}
