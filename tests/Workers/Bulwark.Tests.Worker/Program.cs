using Bulwark.Tests.Worker;

// Processes for tests to kill (tests/Runtime.Tests: Checkpoints/ProcessKillTests, Ingest/IngestProcessKillTests, Shards/ShardProcessKillTests).
// Every mode prints one line per event on stdout, flushed at once, so whatever the parent has read when it kills the
// process is exactly what had happened by then; an `error <type>: <message>` line ends the process with exit code 3.
return args.FirstOrDefault() switch
{
    CheckpointLoop.Mode => await CheckpointLoop.RunAsync(args),
    IngestLoop.Mode => await IngestLoop.RunAsync(args),
    ShardLoop.Mode => await ShardLoop.RunAsync(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine($"usage: Bulwark.Tests.Worker {CheckpointLoop.Usage}");
    Console.Error.WriteLine($"       Bulwark.Tests.Worker {IngestLoop.Usage}");
    Console.Error.WriteLine($"       Bulwark.Tests.Worker {ShardLoop.Usage}");
    return 2;
}
