namespace AgentOperator.Operator.Hosting;

/// <summary>What the command line asked for: options to run with, help, or an error to print.</summary>
internal sealed record CommandLineResult(OperatorOptions? Options, bool HelpRequested, string? Error);
