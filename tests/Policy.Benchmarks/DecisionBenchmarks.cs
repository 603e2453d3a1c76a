using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RateLimits;
using AgentOperator.Policy.RunBudgets;
using BenchmarkDotNet.Attributes;

namespace AgentOperator.Policy.Benchmarks;

/// <summary>The per-call decision path with the typical bundle (compiled once, as in the gateway).</summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private PolicyEngine _engine = null!;
    private CompiledPolicy _policy = null!;
    private RunLedger _run = null!;
    private RunSnapshot _snapshot = null!;

    [GlobalSetup]
    public void Setup()
    {
        _policy = CompiledPolicy.Compile(TypicalBundle.Build());
        _engine = new PolicyEngine(_policy, new ToolRateLimiter(TimeProvider.System));
        _run = new RunLedger("bench", new Crds.V1Alpha1.Budgets { MaxToolCalls = int.MaxValue / 2 }, TimeProvider.System);
        _snapshot = _run.Snapshot();
    }

    /// <summary>Full engine path for a tier-3 write with 5 applicable rules: budget reserve + schema + CEL + rate limit + settle.</summary>
    [Benchmark(Baseline = true)]
    public DecisionKind EngineRefund()
    {
        var result = _engine.DecideToolCall(TypicalBundle.Refund, _run);
        result.Reservation?.Settle(Usage.OneToolCall);
        return result.Decision.Kind;
    }

    /// <summary>Full engine path for a tier-0 read with the 3 rules for every tool.</summary>
    [Benchmark]
    public DecisionKind EngineLookup()
    {
        var result = _engine.DecideToolCall(TypicalBundle.Lookup, _run);
        result.Reservation?.Settle(Usage.OneToolCall);
        return result.Decision.Kind;
    }

    /// <summary>Default deny of an unknown tool.</summary>
    [Benchmark]
    public DecisionKind EngineUnknownTool() => _engine.DecideToolCall(TypicalBundle.Unknown, _run).Decision.Kind;

    /// <summary>The pure pipeline (what replay runs) for the refund.</summary>
    [Benchmark]
    public DecisionKind PipelineRefund() => DecisionPipeline.Decide(_policy, TypicalBundle.Refund, _snapshot).Kind;
}
