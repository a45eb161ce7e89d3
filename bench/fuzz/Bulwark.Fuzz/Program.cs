using Bulwark.Fuzz;
using SharpFuzz;

// Bulwark.Fuzz list                     the targets
// Bulwark.Fuzz run TARGET               one target under afl-fuzz (run.sh starts it; the runtime must be instrumented)
// Bulwark.Fuzz replay TARGET PATH...    files or folders through the oracle; exit 1 when any is a finding
// Bulwark.Fuzz seed DIR                 writes the seed corpus, DIR/TARGET/seed-*
switch (args)
{
    case ["list"]:
        foreach (var target in FuzzTargets.All)
        {
            Console.WriteLine($"{target.Name,-20} {target.Description}");
        }

        return 0;
    case ["run", var name]:
        // Instrumented code faults until afl's shared memory is mapped, which Run does first: even the targets'
        // static fields (read options of the runtime) are first touched inside the callback.
        FuzzTarget? fuzzed = null;
        Fuzzer.OutOfProcess.Run(stream =>
        {
            fuzzed ??= FuzzTargets.Find(name);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            Oracle.Run(fuzzed, buffer.ToArray());
        });
        return 0;
    case ["replay", var name, .. var paths] when paths.Length > 0:
        return Replay(FuzzTargets.Find(name), paths);
    case ["seed", var directory]:
        await Seeds.WriteAllAsync(directory);
        return 0;
    default:
        Console.Error.WriteLine("usage: Bulwark.Fuzz list | run TARGET | replay TARGET PATH... | seed DIR");
        return 2;
}

static int Replay(FuzzTarget target, string[] paths)
{
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
    var findings = 0;
    foreach (var file in files)
    {
        try
        {
            Console.WriteLine($"{Oracle.Run(target, File.ReadAllBytes(file)).ToString().ToLowerInvariant(),-8} {file}");
        }
        catch (FuzzFindingException e)
        {
            findings++;
            Console.WriteLine($"FINDING  {file}: {e.Message}");
            Console.WriteLine(e.InnerException?.ToString() ?? "");
        }
    }

    Console.WriteLine($"{target.Name}: {files.Count} inputs, {findings} findings");
    return findings == 0 ? 0 : 1;
}
