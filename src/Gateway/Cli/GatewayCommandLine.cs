using System.Text.Json;
using AgentOperator.Policy.Compilation;

namespace AgentOperator.Gateway.Cli;

/// <summary>The command-line contract of DESIGN.md: serve, compile, verify, replay.</summary>
public static class GatewayCommandLine
{
    public const string Usage = """
        usage:
          serve   --bundle FILE --port N --metrics-port M --audit FILE [--secrets DIR] [--tokens DIR] [--otlp URL]
          compile --workflow FILE --tools FILE...
          verify  --audit FILE
          replay  --audit FILE --bundle FILE
        """;

    /// <summary>Runs a command; returns the process exit code (2 for usage errors).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length == 0)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        try
        {
            var arguments = CommandArguments.Parse(args[1..]);
            return args[0] switch
            {
                "serve" => await ServeCommand.RunAsync(arguments, output, cancellationToken),
                "compile" => await CompileCommand.RunAsync(arguments, output, error, cancellationToken),
                "verify" => await VerifyCommand.RunAsync(arguments, output, cancellationToken),
                "replay" => await ReplayCommand.RunAsync(arguments, output, cancellationToken),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException exception)
        {
            await error.WriteLineAsync($"error: {exception.Message}\n{Usage}");
            return 2;
        }
        catch (Exception exception) when (exception is JsonException or PolicyCompilationException or IOException)
        {
            await error.WriteLineAsync($"error: {exception.Message}");
            return 1;
        }
    }
}
