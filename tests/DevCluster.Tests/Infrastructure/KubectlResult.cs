namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>What a kubectl run printed and returned; <see cref="ToString"/> is the assertion message.</summary>
public sealed record KubectlResult(string Command, int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public override string ToString() => $"kubectl {Command}\nexit {ExitCode}{(TimedOut ? " (timed out)" : "")}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
