using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.RateLimits;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Decisions;

/// <summary>
/// Enforces one compiled bundle, per call:
/// run budget → allowlist + action → autonomy / risk tier / kill switch → input schema → CEL rules →
/// approvals → rate limit → budget reservation. Thread-safe; create one per bundle (cheap once the
/// bundle is compiled) and share the <see cref="ToolRateLimiter"/> across reloads.
/// </summary>
public sealed class PolicyEngine
{
    private readonly ToolRateLimiter _rateLimiter;
    private readonly string _workflowKey;

    /// <summary>Creates an engine over a compiled bundle.</summary>
    public PolicyEngine(CompiledPolicy policy, ToolRateLimiter rateLimiter)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(rateLimiter);
        Policy = policy;
        _rateLimiter = rateLimiter;
        _workflowKey = policy.Bundle.Workflow.ToString();
    }

    /// <summary>Compiles <paramref name="bundle"/> (throws <see cref="PolicyCompilationException"/>) and creates an engine with its own rate limiter.</summary>
    public static PolicyEngine Create(PolicyBundle bundle, TimeProvider timeProvider) =>
        new(CompiledPolicy.Compile(bundle), new ToolRateLimiter(timeProvider));

    /// <summary>The compiled bundle.</summary>
    public CompiledPolicy Policy { get; }

    /// <summary>The bundle.</summary>
    public PolicyBundle Bundle => Policy.Bundle;

    /// <summary>
    /// Decides a tool call of a run. Every call counts against maxToolCalls whatever its decision, so the
    /// run budget is reserved first; only an Allow hands the reservation to the caller.
    /// </summary>
    public ToolCallDecision DecideToolCall(ToolCallRequest call, RunLedger run)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(run);

        var snapshot = run.Snapshot();
        var reserved = run.TryReserve(Usage.OneToolCall);
        if (reserved.Reservation is not { } reservation)
        {
            return new ToolCallDecision(Decision.BudgetExceeded(reserved.ExceededBudget!, reserved.Reason!), snapshot, null);
        }

        var decision = DecisionPipeline.Decide(Policy, call, snapshot);
        if (decision.IsAllowed && Policy.TryGetTool(call.Tool, out var tool) && tool.Definition.RateLimit is { } limit
            && !_rateLimiter.TryAcquire(_workflowKey, call.Tool, limit, out var retryAfter))
        {
            decision = Decision.RateLimited(
                $"Tool '{call.Tool}' is limited to {limit.RequestsPerMinute} calls per minute for this workflow; retry in {Math.Ceiling(retryAfter.TotalSeconds)} s.",
                retryAfter);
        }

        if (decision.IsAllowed)
        {
            return new ToolCallDecision(decision, snapshot, reservation);
        }

        // A refused call still counts as a call.
        reservation.Settle(Usage.OneToolCall);
        return new ToolCallDecision(decision, snapshot, null);
    }

    /// <summary>
    /// The fewest completion tokens a model call is capped to before the budget counts as spent: below it a model
    /// cannot finish even a short answer or one tool call, so the run ends instead of paying for truncated calls.
    /// </summary>
    public const int MinimumCompletionTokens = 16;

    /// <summary>
    /// Decides a model call: the role must be declared, the model (if named) must be the role's pinned model,
    /// and the estimated prompt must leave room within maxTokensPerCall. The call is then capped, not refused:
    /// the completion cap is the smallest of the request's, what maxTokensPerCall leaves after the prompt
    /// (shared by the <see cref="ModelCallRequest.Choices"/>), and what the run's token and cost budgets still
    /// pay for; one step, the prompt and cap × choices are reserved at the model's prices. Only when fewer than
    /// <see cref="MinimumCompletionTokens"/> (or the requested cap, if smaller) fit is the call refused.
    /// </summary>
    public ModelCallDecision DecideModelCall(ModelCallRequest call, RunLedger run)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(run);

        if (run.CheckTermination() is { } terminated)
        {
            return new ModelCallDecision(Decision.BudgetExceeded(terminated, BudgetCheck.Describe(terminated, run.Limits)), null, null);
        }

        if (!Bundle.Models.TryGetValue(call.Role, out var model))
        {
            return new ModelCallDecision(
                Decision.Deny(BuiltInRules.ModelRole, $"Model role '{call.Role}' is not declared by this workflow (declared: {string.Join(", ", Bundle.Models.Keys)})."),
                null, null);
        }

        if (!string.IsNullOrEmpty(call.Model) && !string.Equals(call.Model, model.Model, StringComparison.Ordinal))
        {
            return new ModelCallDecision(
                Decision.Deny(BuiltInRules.ModelPinned, $"Role '{call.Role}' is pinned to model '{model.Model}', not '{call.Model}'."),
                model, null);
        }

        var prompt = (long)(call.EstimatedPromptTokens ?? 0);
        var perCallRoom = (model.MaxTokensPerCall - prompt) / call.Choices;
        if (perCallRoom < 1)
        {
            return new ModelCallDecision(
                Decision.Deny(BuiltInRules.MaxTokensPerCall,
                    $"The prompt (about {prompt} tokens{(call.Choices > 1 ? $", {call.Choices} choices" : "")}) leaves no completion tokens within role '{call.Role}''s maxTokensPerCall of {model.MaxTokensPerCall}."),
                model, null);
        }

        var maxUnits = Math.Min(call.MaxCompletionTokens ?? long.MaxValue, perCallRoom);
        var reserved = run.TryReserveLargest(
            new Usage(Steps: 1, Tokens: prompt, CostUsd: prompt * (model.InputCostPer1kTokensUsd ?? 0) / 1000.0),
            new Usage(Tokens: call.Choices, CostUsd: call.Choices * (model.OutputCostPer1kTokensUsd ?? 0) / 1000.0),
            Math.Min(MinimumCompletionTokens, maxUnits),
            maxUnits);
        return reserved.Reservation is { } reservation
            ? new ModelCallDecision(Decision.Allow($"Model '{model.Model}' allowed for role '{call.Role}' with at most {reserved.Units} completion tokens."), model, reservation) { MaxCompletionTokens = reserved.Units }
            : new ModelCallDecision(Decision.BudgetExceeded(reserved.ExceededBudget!, reserved.Reason!), model, null) { Retryable = reserved.Retryable };
    }
}
