using System.Diagnostics;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RateLimits;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Benchmarks;

/// <summary>
/// Per-decision latency percentiles, which BenchmarkDotNet does not give (it times batches): times each
/// decision of a mixed workload on one thread and reports p50/p99/p99.9, decisions per second and bytes
/// allocated per decision (allocation is what turns into GC pauses at p99).
/// </summary>
public static class LatencyRun
{
    public static void Run(int decisions)
    {
        var policy = CompiledPolicy.Compile(TypicalBundle.Build());
        var engine = new PolicyEngine(policy, new ToolRateLimiter(TimeProvider.System));
        var run = new RunLedger("latency", new Crds.V1Alpha1.Budgets { MaxToolCalls = int.MaxValue / 2 }, TimeProvider.System);
        ToolCallRequest[] mix = [TypicalBundle.Refund, TypicalBundle.Lookup, TypicalBundle.Lookup, TypicalBundle.Refund, TypicalBundle.Unknown];

        void Decide(int i) => engine.DecideToolCall(mix[i % mix.Length], run).Reservation?.Settle(Usage.OneToolCall);

        for (var i = 0; i < 20_000; i++)
        {
            Decide(i); // JIT tiering and caches
        }

        foreach (var (name, calls) in new[] { ("mixed", mix), ("refund (5 rules)", new[] { TypicalBundle.Refund }), ("lookup (3 rules)", new[] { TypicalBundle.Lookup }) })
        {
            var samples = new double[decisions];
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var total = Stopwatch.StartNew();
            for (var i = 0; i < decisions; i++)
            {
                var start = Stopwatch.GetTimestamp();
                engine.DecideToolCall(calls[i % calls.Length], run).Reservation?.Settle(Usage.OneToolCall);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            total.Stop();
            var bytesPerDecision = (GC.GetAllocatedBytesForCurrentThread() - allocated) / decisions;
            Array.Sort(samples);
            double P(double q) => samples[Math.Min(samples.Length - 1, (int)(q * samples.Length))];
            Console.WriteLine($"{name,-18} n={decisions} p50={P(0.50):F1} µs p90={P(0.90):F1} µs p99={P(0.99):F1} µs p99.9={P(0.999):F1} µs max={samples[^1]:F1} µs throughput={decisions / total.Elapsed.TotalSeconds:N0} decisions/s (1 thread) allocated={bytesPerDecision} B/decision");
        }
    }
}
