namespace AgentOperator.Policy.Decisions;

/// <summary>
/// Rule ids of decisions made by the engine itself rather than by a policy rule. Budget decisions use the
/// budget's name (<see cref="RunBudgets.BudgetNames"/>).
/// </summary>
public static class BuiltInRules
{
    /// <summary>The tool is not in the workflow's allowlist.</summary>
    public const string Allowlist = "allowlist";

    /// <summary>The action is not allowed for this tool in this workflow.</summary>
    public const string Action = "action";

    /// <summary>The autonomy level or risk tier forbids the call or requires approval.</summary>
    public const string Autonomy = "autonomy";

    /// <summary>The kill switch denies every non-read call.</summary>
    public const string KillSwitch = "kill-switch";

    /// <summary>The input does not match the tool's input schema.</summary>
    public const string Schema = "schema";

    /// <summary>The tool's rate limit is exhausted.</summary>
    public const string RateLimit = "rate-limit";

    /// <summary>A model call names a role the workflow does not declare.</summary>
    public const string ModelRole = "model-role";

    /// <summary>A model call asks for a model other than the one pinned for its role.</summary>
    public const string ModelPinned = "model-pinned";

    /// <summary>A model call asks for more tokens than its role's maxTokensPerCall.</summary>
    public const string MaxTokensPerCall = "max-tokens-per-call";
}
