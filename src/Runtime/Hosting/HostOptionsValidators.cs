using Bulwark.Shards;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bulwark.Hosting;

/// <summary>
/// The validators the host runs on start (ValidateOnStart): each failure names the configuration key that holds the
/// bad value, e.g. <c>Bulwark:Ingest:crawl:MaxAge must be a positive, finite time.</c> The components' own checks are
/// reused, so a value the component would refuse is refused here first, with the key in front of its message.
/// </summary>
internal static class OptionsMessages
{
    /// <summary>The component's message about <see cref="ArgumentException.ParamName"/>, with the field's full key in front.</summary>
    public static string Describe(string section, ArgumentException e)
    {
        var field = e.ParamName ?? "?";
        var message = e.Message.Split('\n')[0].TrimEnd('\r');
        var suffix = $" (Parameter '{e.ParamName}')";
        if (message.EndsWith(suffix, StringComparison.Ordinal))
        {
            message = message[..^suffix.Length];
        }

        return message.StartsWith(field + " ", StringComparison.Ordinal)
            ? $"{section}:{message}"
            : $"{section}:{field}: {message}";
    }

    public static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

    public static void Positive(List<string> failures, string section, string field, long value)
    {
        if (value <= 0)
        {
            failures.Add($"{section}:{field} must be positive (it is {value}).");
        }
    }

    public static void NeedPath(List<string> failures, string section, string field, string? value, string why)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{section}:{field} is required: {why}.");
        }
    }
}

internal sealed class CheckpointerOptionsValidator(HostedComponentInfo info) : IValidateOptions<CheckpointerHostOptions>
{
    public ValidateOptionsResult Validate(string? name, CheckpointerHostOptions options)
    {
        if (name != info.Name)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (!info.HasStorage)
        {
            OptionsMessages.NeedPath(failures, info.Section, nameof(options.Path), options.Path, "the checkpoint store's directory (or pass a storage factory to AddCheckpointer)");
        }

        OptionsMessages.Positive(failures, info.Section, nameof(options.MaxCatalogBytes), options.MaxCatalogBytes);
        OptionsMessages.Positive(failures, info.Section, nameof(options.MaxManifestBytes), options.MaxManifestBytes);
        OptionsMessages.Positive(failures, info.Section, nameof(options.MaxFilesPerCheckpoint), options.MaxFilesPerCheckpoint);
        if (options.MaxCheckpointAge is { } age && age <= TimeSpan.Zero)
        {
            failures.Add($"{info.Section}:{nameof(options.MaxCheckpointAge)} must be positive (it is {age}).");
        }

        return OptionsMessages.Result(failures);
    }
}

internal sealed class IngestOptionsValidator(HostedComponentInfo info, IServiceProvider services) : IValidateOptions<IngestHostOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestHostOptions options)
    {
        if (name != info.Name)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (!info.HasStorage)
        {
            OptionsMessages.NeedPath(failures, info.Section, nameof(options.Path), options.Path, "the dataset's directory (or pass a storage factory to AddIngest)");
        }

        try
        {
            HostOptionsMapping.ToIngestOptions(options, info.Name, HostedComponents.ContentRoot(services), null).Validate();
        }
        catch (ArgumentException e)
        {
            failures.Add(OptionsMessages.Describe(info.Section, e));
        }

        return OptionsMessages.Result(failures);
    }
}

internal sealed class ShardOptionsValidator(HostedComponentInfo info, bool hasConsensus, IServiceProvider services) : IValidateOptions<ShardHostOptions>
{
    public ValidateOptionsResult Validate(string? name, ShardHostOptions options)
    {
        if (name != info.Name)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (!info.HasStorage)
        {
            OptionsMessages.NeedPath(failures, info.Section, nameof(options.Path), options.Path, "the directory of the shard's parts (or pass a storage factory to AddShard)");
        }

        Check(failures, () => ShardNames.ValidateShardId(HostOptionsMapping.ShardId(options, info.Name), nameof(options.ShardId)));
        if (options.WriterId is not null)
        {
            Check(failures, () => ShardNames.ValidateHolderId(options.WriterId, nameof(options.WriterId)));
        }

        if (options.ReaderId is not null)
        {
            Check(failures, () => ShardNames.ValidateHolderId(options.ReaderId, nameof(options.ReaderId)));
        }

        if (!hasConsensus)
        {
            switch (options.Consensus)
            {
                case ShardConsensusKind.File:
                    OptionsMessages.NeedPath(failures, info.Section, nameof(options.ConsensusPath), options.ConsensusPath, "Consensus is File");
                    break;
                case ShardConsensusKind.Services when !HostedComponents.HasConsensus(services, info.Name):
                    failures.Add($"{info.Section}:{nameof(options.Consensus)} is Services, but no IConsensus is registered (keyed '{info.Name}' or unkeyed): register one, or set it to File (with ConsensusPath) or InMemory.");
                    break;
                case ShardConsensusKind.Services or ShardConsensusKind.InMemory:
                    break;
                default:
                    failures.Add($"{info.Section}:{nameof(options.Consensus)} must be Services, InMemory or File.");
                    break;
            }
        }

        Check(failures, () => HostOptionsMapping.ToShardOptions(options, TimeProvider.System, null, null).Validate());
        return OptionsMessages.Result(failures);

        void Check(List<string> list, Action validate)
        {
            try
            {
                validate();
            }
            catch (ArgumentException e)
            {
                list.Add(OptionsMessages.Describe(info.Section, e));
            }
        }
    }
}
