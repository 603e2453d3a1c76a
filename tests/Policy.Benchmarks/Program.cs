using AgentOperator.Policy.Benchmarks;
using BenchmarkDotNet.Running;

// `-- latency [n]` prints per-decision percentiles; `-- stages` the cost of each stage; anything else goes to BenchmarkDotNet (e.g. `--job short --filter *`).
if (args is ["latency", ..])
{
    LatencyRun.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000);
    return;
}

if (args is ["stages", ..])
{
    StageBreakdown.Run(50_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(DecisionBenchmarks).Assembly).Run(args);
