namespace AgentOperator.Policy.Rules;

/// <summary>The result of evaluating one rule.</summary>
/// <param name="Passed">True only when the condition evaluated to true.</param>
/// <param name="Error">Why the condition could not be evaluated (a failed rule, fail closed); null otherwise.</param>
public readonly record struct RuleOutcome(bool Passed, string? Error)
{
    /// <summary>The condition is true.</summary>
    public static RuleOutcome Pass => new(true, null);

    /// <summary>The condition is false.</summary>
    public static RuleOutcome Fail => new(false, null);
}
