using System.Diagnostics;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Rules;

namespace AgentOperator.Policy.Benchmarks;

/// <summary>Time and allocation of each expensive stage of the refund decision, to see where a decision goes.</summary>
public static class StageBreakdown
{
    public static void Run(int iterations)
    {
        var policy = CompiledPolicy.Compile(TypicalBundle.Build());
        policy.TryGetTool("payments.issue_refund", out var tool);
        var input = TypicalBundle.Refund.Input;
        var run = new Dictionary<string, object?> { ["id"] = "r", ["steps"] = 1L, ["toolCalls"] = 1L, ["tokens"] = 0L, ["costUsd"] = 0.0, ["elapsedSeconds"] = 1.0 };
        var toolVariable = new Dictionary<string, object?> { ["name"] = tool!.Definition.Name, ["action"] = "create", ["riskTier"] = 3L };
        var variables = new Dictionary<string, object?> { ["input"] = CelValues.FromJson(input), ["run"] = run, ["tool"] = toolVariable, ["models"] = new Dictionary<string, object?>() };

        Measure("schema", iterations, () => tool.Schema!.Validate(input));
        Measure("input -> CEL", iterations, () => CelValues.FromJson(input));
        foreach (var rule in tool.Rules)
        {
            Measure($"rule {rule.Rule.Id}", iterations, () => rule.Evaluate(variables));
        }

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
        Console.WriteLine($"{name,-22} {watch.Elapsed.TotalMicroseconds / iterations,8:F2} µs {bytes,8} B");
    }
}
