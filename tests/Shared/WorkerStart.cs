using System.Diagnostics;
using Xunit;

namespace Bulwark.Tests.Shared;

/// <summary>
/// How a test starts one of the worker processes of tests/Workers: <c>dotnet WORKER.dll ARGUMENTS</c> on the runtime
/// of this test host, with its standard streams redirected.
/// </summary>
internal static class WorkerStart
{
    /// <summary>The start of <paramref name="workerDll"/>, which a ProjectReference builds into the test output.</summary>
    public static ProcessStartInfo For(string workerDll, IEnumerable<string> arguments)
    {
        var worker = Path.Join(AppContext.BaseDirectory, workerDll);
        Assert.True(File.Exists(worker), $"The worker is built into the test output through a ProjectReference; '{worker}' is missing.");
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // A runtime opens its debugger and diagnostics endpoints as files in the temp directory
        // (clr-debug-pipe-PID-KEY-in/out, dotnet-diagnostic-PID-KEY-socket) and removes them only on a clean exit;
        // workers die by SIGKILL, so each kill would leave three files behind, 30,000 for a 10,000-kill bench run.
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.ArgumentList.Add(worker);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>The `dotnet` that runs this test host, so the worker gets the same runtime.</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }
}
