using AgentOperator.Policy.Benchmarks;
using BenchmarkDotNet.Running;

// `-- latency [n]` prints per-decision percentiles; anything else goes to BenchmarkDotNet (e.g. `--job short --filter *`).
if (args is ["latency", ..])
{
    LatencyRun.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(DecisionBenchmarks).Assembly).Run(args);
