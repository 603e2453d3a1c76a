using System.Diagnostics;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Rules;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Benchmarks;

/// <summary>Time and allocation of each expensive stage of the refund decision, to see where a decision goes.</summary>
public static class StageBreakdown
{
    public static void Run(int iterations)
    {
        var policy = CompiledPolicy.Compile(TypicalBundle.Build());
        policy.TryGetTool("payments.issue_refund", out var tool);
        var input = TypicalBundle.Refund.Input;
        var run = new RunSnapshot { RunId = "r", Steps = 1, ToolCalls = 1, ElapsedSeconds = 1.0 };
        var toolVariable = new Dictionary<string, object?> { ["name"] = tool!.Definition.Name, ["action"] = "create", ["riskTier"] = 3L };
        var activation = new RuleActivation(input, run, toolVariable, new Dictionary<string, object?>());
        var variables = activation.ToVariables();

        Measure("schema", iterations, () => tool.Schema!.Validate(input));
        Measure("input -> CEL (interp.)", iterations, () => CelValues.FromJson(input));
        foreach (var rule in tool.Rules)
        {
            Measure($"rule {rule.Rule.Id}{(rule.IsCompiled ? "" : " (interp.)")}", iterations, () => rule.Evaluate(activation));
            Measure($"  same, interpreter", iterations, () => rule.Evaluate(variables));
        }

        Measure("pipeline (refund)", iterations, () => DecisionPipeline.Decide(policy, TypicalBundle.Refund, run));

    }

    private static void Measure(string name, int iterations, Action action)
    {
        for (var i = 0; i < 5_000; i++)
        {
            action();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            action();
        }

        watch.Stop();
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / iterations;
        Console.WriteLine($"{name,-28} {watch.Elapsed.TotalMicroseconds / iterations,8:F2} µs {bytes,8} B");
    }
}
