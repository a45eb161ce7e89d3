using Microsoft.CodeAnalysis;

namespace Bulwark.Analyzers;

/// <summary>
/// The one table of BWK1xxx durability descriptors. The analyzers themselves arrive with the analyzer issue;
/// the project is wired into the package and the runtime build now so that adding one needs no plumbing.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "Bulwark.Durability";

    public const string HelpRoot = "https://github.com/bulwark-data/bulwark#";
}
