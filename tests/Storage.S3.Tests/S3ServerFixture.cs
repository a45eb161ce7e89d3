using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3.Tests;

/// <summary>Every test that talks to s3rver is in this collection: one server for all of them, started once.</summary>
[CollectionDefinition(Name)]
public sealed class S3ServerCollection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3rver";
}

/// <summary>
/// s3rver on 127.0.0.1, on a port the OS picks, over a fresh temporary directory: installed with <c>npm ci</c> from
/// js/package-lock.json and started through js/s3rver-host.mjs, which stops the server when its standard input closes.
/// Two buckets: <see cref="PlainBucket"/> behaves as s3rver does (it ignores <c>If-None-Match</c>),
/// <see cref="ConditionalBucket"/> refuses a conditional write onto an existing key with 412, as Amazon S3 does.
/// Without node/npm (and not on CI) nothing starts: the tests are skipped at discovery.
/// </summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public const string PlainBucket = "plain";
    public const string ConditionalBucket = "conditional";

    /// <summary>s3rver's fixed credentials.</summary>
    public static readonly BasicAWSCredentials Credentials = new("S3RVER", "S3RVER");

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder serverOutput = new();
    private Process? process;
    private Task? drain;
    private string? temporaryRoot;
    private string? serviceUrl;

    /// <summary>The server's endpoint, e.g. http://127.0.0.1:41234.</summary>
    public string ServiceUrl => serviceUrl ?? throw new InvalidOperationException("s3rver was not started: " + (NodeTools.SkipReason ?? "see the fixture's error"));

    /// <summary>s3rver's data directory: bucket B's objects are files under DataDirectory/B.</summary>
    public string DataDirectory => Path.Join(temporaryRoot ?? throw new InvalidOperationException("s3rver was not started."), "data");

    /// <summary>Where the backends buffer pending files larger than their memory limit.</summary>
    public string BufferDirectory => Path.Join(temporaryRoot ?? throw new InvalidOperationException("s3rver was not started."), "buffers");

    public async Task InitializeAsync()
    {
        if (NodeTools.SkipReason is not null)
        {
            return;
        }

        await NodeTools.EnsureInstalledAsync();
        temporaryRoot = Path.Join(Path.GetTempPath(), "bulwark-s3-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(BufferDirectory);

        var startInfo = new ProcessStartInfo(NodeTools.Node)
        {
            WorkingDirectory = NodeTools.ScriptsDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        // s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 only has in its legacy provider.
        foreach (var argument in new[] { "--openssl-legacy-provider", "s3rver-host.mjs", "--directory", DataDirectory, "--bucket", PlainBucket, "--conditional-bucket", ConditionalBucket })
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["S3RVER_VERBOSE"] = Environment.GetEnvironmentVariable("S3RVER_VERBOSE") ?? "0";
        process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start node s3rver-host.mjs.");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (serverOutput)
                {
                    serverOutput.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();

        // A bound, not a speed expectation: it only turns a server that never starts into a failure with its output.
        using var timeout = new CancellationTokenSource(StartTimeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }

        if (line is null)
        {
            await StopAsync();
            throw new InvalidOperationException($"s3rver-host.mjs printed no port (exited: {process.HasExited}).\nstderr:\n{ServerOutput}");
        }

        // The rest of its output is kept (for failures) and drained, so a full pipe never stalls the server.
        drain = DrainAsync(process.StandardOutput);
        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        serviceUrl = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (temporaryRoot is not null)
        {
            try
            {
                Directory.Delete(temporaryRoot, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder must not fail the run that produced it.
            }
        }
    }

    public string ServerOutput
    {
        get
        {
            lock (serverOutput)
            {
                return serverOutput.ToString();
            }
        }
    }

    /// <summary>Options for a backend of its own: a fresh prefix in <paramref name="bucket"/>, s3rver's credentials.</summary>
    public S3StorageOptions Options(string bucket = PlainBucket, ILogger? logger = null) => new()
    {
        Bucket = bucket,
        Prefix = "tests/" + Guid.NewGuid().ToString("N"),
        ServiceUrl = ServiceUrl,
        Credentials = Credentials,
        TemporaryDirectory = BufferDirectory,
        Logger = logger,
    };

    public S3StorageBackend CreateBackend(string bucket = PlainBucket, ILogger? logger = null, Action<S3StorageOptions>? configure = null)
    {
        var options = Options(bucket, logger);
        configure?.Invoke(options);
        return new S3StorageBackend(options);
    }

    /// <summary>The multipart uploads s3rver holds for <paramref name="bucket"/> (upload directories not completed or aborted).</summary>
    public IReadOnlyList<string> OpenUploadDirectories(string bucket)
    {
        var uploads = Path.Join(DataDirectory, bucket, "._S3rver_uploads");
        return Directory.Exists(uploads) ? Directory.GetDirectories(uploads) : [];
    }

    private async Task DrainAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is { } line)
        {
            lock (serverOutput)
            {
                serverOutput.AppendLine(line);
            }
        }
    }

    private async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Close();
                using var timeout = new CancellationTokenSource(StopTimeout);
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            if (drain is not null)
            {
                await drain;
            }

            if (Environment.GetEnvironmentVariable("S3RVER_LOG") is { Length: > 0 } log)
            {
                await File.WriteAllTextAsync(log, ServerOutput);
            }

            process.Dispose();
            process = null;
        }
    }
}
