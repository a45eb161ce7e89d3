return await Bulwark.Cli.BulwarkCommand.RunAsync(args, Console.Out, Console.Error, TimeProvider.System, Bulwark.Cli.CliTerminal.Detect());
