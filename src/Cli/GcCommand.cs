using System.CommandLine;
using Bulwark.Checkpoints;

namespace Bulwark.Cli;

/// <summary>
/// `bulwark gc --plan DIR [--retain N] [--except ID]...`: what the checkpointer's garbage collection would delete from a
/// checkpoint store and why, from <see cref="CheckpointGarbagePlanner"/> (the checkpointer's own rules); it writes
/// nothing. It is plan-only on purpose: collection belongs to the application that owns the store and knows its
/// retention, and a plan can be read while that application runs, where a collection from here would have to take the
/// store from it.
/// </summary>
internal static class GcCommand
{
    public static Command Create(CliContext cli)
    {
        var directory = new Argument<string>("DIR") { Description = "The checkpoint store directory." };
        var plan = new Option<bool>("--plan") { Description = "Required: print the plan. gc is plan-only and never deletes; the application's Checkpointer.CollectGarbageAsync collects." };
        var retain = new Option<int>("--retain")
        {
            Description = "The newest N checkpoints collection keeps, as the application passes it to CollectGarbageAsync (default 1, the fewest it allows).",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
        };
        retain.Validators.Add(result =>
        {
            // Tokens, not the value: a value that is no number is the parser's error, and reading it here would throw.
            if (result.Tokens is [var token] && int.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n < 1)
            {
                result.AddError("--retain must be 1 or more: the newest checkpoint is never collected");
            }
        });
        var except = new Option<string[]>("--except")
        {
            Description = "An older checkpoint collection keeps as well (repeatable), as the application's except list.",
            HelpName = "ID",
            AllowMultipleArgumentsPerToken = false,
        };
        var gc = new Command(
            "gc",
            "Plan-only: show what opening the store and collecting garbage would delete (checkpoints older than the newest N, the shared files only they "
            + "reference, directories of interrupted commits) and why, or why it would delete nothing. Writes nothing and takes no lock. Exit 1 if collection would refuse.")
        {
            directory,
            plan,
            retain,
            except,
        };
        gc.SetAction(async (result, token) => cli.ExitCode = await RunAsync(
            result.GetValue(directory)!, result.GetValue(plan), result.GetValue(retain), result.GetValue(except) ?? [], cli, token));
        return gc;
    }

    private static async Task<int> RunAsync(string directory, bool plan, int retain, string[] exceptText, CliContext cli, CancellationToken ct)
    {
        if (!plan)
        {
            await cli.Error.WriteLineAsync("error: gc is plan-only: run `bulwark gc --plan DIR` to see what collection would delete; the application collects with Checkpointer.CollectGarbageAsync, and `bulwark checkpoints drop DIR ID --yes` removes one checkpoint");
            return BulwarkCommand.UsageError;
        }

        var except = new List<Guid>();
        foreach (var text in exceptText)
        {
            if (!Guid.TryParse(text, out var id))
            {
                await cli.Error.WriteLineAsync($"error: --except '{text}' is not a checkpoint id; `bulwark checkpoints list {directory}` prints the ids");
                return BulwarkCommand.UsageError;
            }

            except.Add(id);
        }

        var (backend, failureCode) = await BulwarkCommand.OpenStoreAsync(directory, cli.Error);
        if (backend is null)
        {
            return failureCode;
        }

        GarbageCollectionPlan result;
        try
        {
            result = await CheckpointGarbagePlanner.PlanAsync(backend, retain, except, cancellationToken: ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await cli.Error.WriteLineAsync("error: the store could not be read: " + e.Message.ReplaceLineEndings(" "));
            return BulwarkCommand.ProblemsFound;
        }

        var output = cli.Output;
        await output.WriteLineAsync($"plan for {directory} with --retain {retain} (nothing was changed)");
        foreach (var blocker in result.Blockers)
        {
            await output.WriteLineAsync("refused: " + blocker);
        }

        if (!result.IsBlocked)
        {
            await output.WriteLineAsync($"keeps {result.Kept.Count} checkpoint(s): {(result.Kept.Count == 0 ? "(none)" : string.Join(", ", result.Kept.Select(k => k.ToString("D"))))}");
            await output.WriteLineAsync($"removes {result.Removed.Count} checkpoint(s) from the catalog{(result.Removed.Count == 0 ? "" : ": " + string.Join(", ", result.Removed.Select(k => k.ToString("D"))))}");
            foreach (var deletion in result.Deletions)
            {
                await output.WriteLineAsync($"deletes {deletion.Path}: {deletion.Reason}");
            }

            await output.WriteLineAsync($"{result.Deletions.Count} path(s) would be deleted");
        }

        foreach (var note in result.Notes)
        {
            await output.WriteLineAsync("note: " + note);
        }

        return result.IsBlocked ? BulwarkCommand.ProblemsFound : BulwarkCommand.Healthy;
    }
}
