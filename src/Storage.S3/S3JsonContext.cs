using System.Text.Json.Serialization;

namespace Bulwark.Storage.S3;

/// <summary>The owner record a lock object holds: the same camelCase JSON the local backend writes into its lock files.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, MaxDepth = 4)]
[JsonSerializable(typeof(StorageLockOwner))]
internal sealed partial class S3JsonContext : JsonSerializerContext
{
}
