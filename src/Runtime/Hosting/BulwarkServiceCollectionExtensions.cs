using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Hosting;

/// <summary>Adds Bulwark's components to a host: <c>services.AddBulwark(configuration).AddIngest("crawl").AddCheckpointer()</c>.</summary>
public static class BulwarkServiceCollectionExtensions
{
    /// <summary>The configuration section read when the configuration root is passed.</summary>
    public const string DefaultSectionName = "Bulwark";

    /// <summary>
    /// Starts registering Bulwark components whose options are bound from <paramref name="configuration"/>: a section
    /// (its keys are used as they are), or a configuration root (then its <c>Bulwark</c> section is used).
    /// </summary>
    public static BulwarkBuilder AddBulwark(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration as IConfigurationSection ?? configuration.GetSection(DefaultSectionName);
        return new BulwarkBuilder(services, section, section.Path);
    }

    /// <summary>Starts registering Bulwark components configured in code only (the <c>configure</c> callbacks).</summary>
    public static BulwarkBuilder AddBulwark(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new BulwarkBuilder(services, null, DefaultSectionName);
    }
}
