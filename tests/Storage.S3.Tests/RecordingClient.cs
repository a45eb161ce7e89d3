using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging;

namespace Bulwark.Storage.S3.Tests;

/// <summary>One HTTP request an S3 client sent: method, decoded key path and query.</summary>
public sealed record SentRequest(string Method, string Path, string Query)
{
    public bool Is(string method, string pathEnd) => Method == method && Path.EndsWith(pathEnd, StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Path}{Query}";
}

/// <summary>
/// An S3 client whose HTTP requests are recorded and can be answered by the test instead of the server, to see what the
/// backend sent (a HEAD and no GET; parts of a multipart upload) and to fail one chosen request.
/// </summary>
public sealed class RecordingClient : IDisposable
{
    private readonly ConcurrentQueue<SentRequest> sent = new();

    public RecordingClient(string serviceUrl, int maxErrorRetry = 0)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = serviceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = maxErrorRetry,
            HttpClientFactory = new Factory(this),
        };
        Client = new AmazonS3Client(S3ServerFixture.Credentials, config);
    }

    public AmazonS3Client Client { get; }

    /// <summary>Answers a request instead of the server when it returns a response; null lets the request through.</summary>
    public Func<HttpRequestMessage, HttpResponseMessage?>? Intercept { get; set; }

    public IReadOnlyList<SentRequest> Sent => sent.ToArray();

    public void Clear() => sent.Clear();

    public void Dispose() => Client.Dispose();

    /// <summary>An S3 error answer, as a server sends it.</summary>
    public static HttpResponseMessage Error(HttpStatusCode status, string code, string message) => new(status)
    {
        Content = new StringContent($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>", Encoding.UTF8, "application/xml"),
    };

    private sealed class Factory(RecordingClient owner) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(new Recorder(owner) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false } });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override string GetConfigUniqueString(IClientConfig clientConfig) => "bulwark-recording-" + owner.GetHashCode();
    }

    private sealed class Recorder(RecordingClient owner) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            owner.sent.Enqueue(new SentRequest(request.Method.Method, Uri.UnescapeDataString(uri.AbsolutePath), uri.Query));
            if (owner.Intercept?.Invoke(request) is { } answer)
            {
                answer.RequestMessage = request;
                return Task.FromResult(answer);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>Keeps what was logged, to check the warnings a backend gives.</summary>
public sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> entries = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries => entries.ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        entries.Enqueue((logLevel, eventId, formatter(state, exception)));
}

/// <summary>A clock the test sets: nothing waits on it.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
