namespace Bulwark.Upsert;

/// <summary>What happens to a buffered input, judged against the output shard's upper.</summary>
internal enum UpsertClass
{
    /// <summary>Below the upper: a peer (or an earlier run) already wrote this time, and its output is the truth.</summary>
    Drop = 1,

    /// <summary>At the upper: the next append writes this time.</summary>
    Apply = 2,

    /// <summary>Above the upper: kept until the upper reaches it.</summary>
    Keep = 3,
}

/// <summary>
/// The three-way classification of buffered input against the output shard's upper (DESIGN §7). The two-way variant
/// (apply at the upper, keep everything else) is the historical bug: an input below the upper — a time a faster peer
/// already wrote — is kept forever, the operator's capability stays at its time, and it can never append again.
/// </summary>
internal static class UpsertClassifier
{
    public static UpsertClass Classify(long time, long upper, bool twoWay = false) =>
        time == upper ? UpsertClass.Apply
        : time > upper ? UpsertClass.Keep
        : twoWay ? UpsertClass.Keep
        : UpsertClass.Drop;
}
