using Microsoft.CodeAnalysis.Diagnostics;

namespace Bulwark.Analyzers;

internal static class AnalysisContextExtensions
{
    /// <summary>
    /// The set-up every Bulwark analyzer starts with: generated code is the generator's responsibility (its output is
    /// pinned by snapshot tests, and a user cannot fix a diagnostic in it), and every analyzer is stateless per callback
    /// so it can run concurrently.
    /// </summary>
    public static void ConfigureBulwarkDefaults(this AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
    }
}
