using System.Globalization;
using Bulwark.Ingest;
using Bulwark.Storage;
using Microsoft.Extensions.Logging;
using static Bulwark.Tests.Worker.WorkerOutput;

namespace Bulwark.Tests.Worker;

/// <summary>
/// An ingesting process: an <see cref="IngestController"/> on a local directory, <see cref="IngestWorkload.Lanes"/>
/// visits in flight at once, each appending its planned rows to two tables and finalizing. Lines:
/// <c>removed &lt;path&gt;</c> (an uncommitted part the open removed),
/// <c>stored &lt;path&gt;</c> and <c>synced &lt;directory&gt;</c> (storage steps, see <see cref="ObservedBackend"/>),
/// <c>opened &lt;next flush&gt; &lt;unfinished visits closed&gt;</c> (what the open found, from its log event),
/// <c>committed &lt;visit&gt; fetches=&lt;rows&gt; pages=&lt;rows&gt;</c> (printed only after the visit's FinalizeAsync resolved Committed),
/// <c>incomplete &lt;visit&gt; &lt;reason&gt;</c> (after it resolved Incomplete).
/// The controller is never disposed: the process runs until it is killed, or until its standard input closes (the
/// parent died), so a crashed test leaves no worker writing behind it.
/// </summary>
internal static class IngestLoop
{
    public const string Mode = "ingest-loop";

    public const string Usage = "ingest-loop DATASET RUN   (runs until killed or until standard input closes)";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 3 || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var run) || run is < 0 or > 1_000_000)
        {
            Console.Error.WriteLine($"usage: Bulwark.Tests.Worker {Usage}");
            return 2;
        }

        _ = Task.Run(ExitWhenInputEndsAsync);
        try
        {
            var events = new ControllerEvents();
            var ingest = await IngestController.OpenAsync(new ObservedBackend(new LocalFileSystemBackend(args[1])), IngestWorkload.Options(run), events);
            Say($"opened {events.NextFlush} {events.Unfinished}");
            await Task.WhenAll(Enumerable.Range(0, IngestWorkload.Lanes).Select(lane => Task.Run(() => LaneAsync(ingest, run, lane))));
            return 0;
        }
        catch (Exception e)
        {
            return Error(e);
        }
    }

    private static async Task LaneAsync(IngestController ingest, int run, int lane)
    {
        for (long k = lane; k < IngestWorkload.VisitsPerRun; k += IngestWorkload.Lanes)
        {
            var plan = IngestWorkload.Plan(IngestWorkload.VisitId(run, k));
            var id = plan.VisitId;
            var visit = ingest.StartVisit(id);
            for (int pages = 0, fetches = 0; pages < plan.Pages || fetches < plan.Fetches;)
            {
                // The tables alternate, so a cut in the middle of a visit can fall between its rows of either table.
                if (pages < plan.Pages && (fetches == plan.Fetches || (pages + fetches) % 2 == 0))
                {
                    await visit.AppendAsync(IngestWorkload.Page(id, pages++));
                }
                else
                {
                    await visit.AppendAsync(IngestWorkload.Fetch(id, fetches++));
                }

                await Task.Yield();
            }

            var outcome = await visit.FinalizeAsync(!plan.Fails, plan.Fails ? IngestWorkload.FailureReason(id) : null);
            Say(outcome.State == VisitState.Committed
                ? $"committed {id} fetches={plan.Fetches} pages={plan.Pages}"
                : $"incomplete {id} {outcome.Reason?.ReplaceLineEndings(" ")}");
        }
    }

    private static async Task ExitWhenInputEndsAsync()
    {
        await Console.OpenStandardInput().CopyToAsync(Stream.Null);
        Environment.Exit(4);
    }

    /// <summary>
    /// Reads the controller's log: the open's numbers, each orphan it removed (as a <c>removed</c> line), and any failed
    /// flush or loop error (as an <c>error</c> line: on a healthy local disk none is expected).
    /// </summary>
    private sealed class ControllerEvents : ILoggerFactory, ILogger
    {
        public long NextFlush { get; private set; } = -1;

        public int Unfinished { get; private set; } = -1;

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            object? Value(string name) => values.FirstOrDefault(v => v.Key == name).Value;
            switch (eventId.Id)
            {
                case 5001:
                    NextFlush = Convert.ToInt64(Value("NextFlush"), CultureInfo.InvariantCulture);
                    Unfinished = Convert.ToInt32(Value("Dangling"), CultureInfo.InvariantCulture);
                    break;
                case 5005:
                    Say($"removed {Value("Path")}");
                    break;
                case 5003 or 5006 or 5007 or 5008:
                    Say($"error {eventId.Name ?? eventId.Id.ToString(CultureInfo.InvariantCulture)}: {formatter(state, exception).ReplaceLineEndings(" ")} {exception?.Message.ReplaceLineEndings(" ")}");
                    break;
            }
        }
    }
}
