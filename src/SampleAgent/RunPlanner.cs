using System.Globalization;
using AgentOperator.Contracts;

namespace AgentOperator.SampleAgent;

/// <summary>Decides each run's plan from the seed and the run's index alone.</summary>
public sealed class RunPlanner(SampleAgentOptions options)
{
    /// <summary>Runs per block over which the rates are exact.</summary>
    public const int BlockSize = 100;

    private static readonly string[] Tasks =
    [
        "Customer asks for a refund of a damaged order",
        "Customer asks where their parcel is",
        "Customer wants to change the delivery address",
        "Customer reports a double charge",
        "Customer asks to cancel a subscription",
    ];

    private readonly ExactShare _outcomes = new(options.Seed, salt: 1, BlockSize);
    private readonly ExactShare _violations = new(options.Seed, salt: 2, BlockSize);

    /// <summary>The plan of run <paramref name="index"/>.</summary>
    public RunPlan Plan(long index)
    {
        var rank = _outcomes.Rank(index);
        var failed = _outcomes.Count(options.FailureRate);
        var escalated = _outcomes.Count(options.EscalationRate);
        var outcome = rank < failed ? RunOutcomes.Failed : rank < failed + escalated ? RunOutcomes.Escalated : RunOutcomes.Success;
        var task = $"{Tasks[(int)(index % Tasks.Length)]} (sample run {index.ToString(CultureInfo.InvariantCulture)})";
        return new(index, outcome, _violations.Picks(index, options.ViolationRate), task);
    }
}
