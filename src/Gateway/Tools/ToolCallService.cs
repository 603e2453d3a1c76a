using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Approvals;
using AgentOperator.Gateway.Audit;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;
using AgentOperator.Gateway.Runs;
using AgentOperator.Gateway.Telemetry;
using AgentOperator.Gateway.Upstreams;
using AgentOperator.Policy.Approvals;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Inputs;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Gateway.Tools;

/// <summary>
/// The per-call enforcement path shared by the HTTP API and MCP: run lookup → input parsing → idempotency
/// → approval state → <see cref="PolicyEngine.DecideToolCall"/> (budget, allowlist, autonomy, schema, CEL,
/// rate limit) → approval creation or consumption (exactly once) → upstream → settle → audit, metrics, span.
/// Nothing refused here ever reaches an upstream.
/// </summary>
public sealed class ToolCallService(
    PolicyHolder policies,
    RunRegistry runs,
    IdempotencyStore idempotency,
    IApprovalStore? approvals,
    IToolUpstream upstream,
    InputRedaction redaction,
    GatewayMetrics metrics,
    AuditLog audit,
    TimeProvider timeProvider,
    TimeSpan approvalTimeToLive)
{
    private const int MaxConsumeAttempts = 4;
    private readonly ConcurrentDictionary<string, byte[]> _approvalInputs = new(StringComparer.Ordinal);

    /// <summary>Handles one call and returns what the agent gets.</summary>
    public async Task<ToolCallResponse> InvokeAsync(ToolCallInvocation invocation, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var active = policies.Current;
        if (active is null)
        {
            return Refuse(null, null, invocation, null, StatusCodes.Status503ServiceUnavailable, RefusalProblem.Deny, "bundle", "no policy bundle is loaded; every call is refused", started);
        }

        var run = runs.Find(invocation.RunId);
        if (run is null)
        {
            return Refuse(active, null, invocation, null, StatusCodes.Status404NotFound, RefusalProblem.Deny, "run", $"run '{invocation.RunId}' does not exist; start one with POST /v1/runs", started);
        }

        if (run.Outcome is { } ended)
        {
            return ended == RunOutcomes.BudgetExceeded
                ? Refuse(active, run, invocation, null, RefusalStatuses.BudgetExhausted, RefusalProblem.BudgetExceeded, run.Ledger.TerminatedBy ?? "budget", $"the run was terminated by its {run.Ledger.TerminatedBy} budget", started)
                : Refuse(active, run, invocation, null, StatusCodes.Status403Forbidden, RefusalProblem.Deny, "run", $"the run has ended ({ended}); start a new run", started);
        }

        if (!ActionPacket.TryDecode(invocation.IntentHeader, ActionPacket.IntentHeader, ActionPacket.MaxIntentLength, out var intent, out var badIntent))
        {
            return Refuse(active, run, invocation, invocation.Body, StatusCodes.Status400BadRequest, RefusalProblem.Invalid, IntentRule, badIntent!, started);
        }

        if (!ActionPacket.TryDecode(invocation.ReasonHeader, ActionPacket.ReasonHeader, ActionPacket.MaxReasonLength, out var agentReason, out var badReason))
        {
            return Refuse(active, run, invocation, invocation.Body, StatusCodes.Status400BadRequest, RefusalProblem.Invalid, ReasonRule, badReason!, started);
        }

        var body = invocation.Body;
        if (body is null or { Length: 0 } && invocation.ApprovalId is { } retryId)
        {
            body = _approvalInputs.TryGetValue(retryId, out var stored) ? stored : null;
            if (body is null)
            {
                return Refuse(active, run, invocation, null, StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", "this gateway does not hold the input of that approval; send the same input again with the approval id", started);
            }
        }

        if (body is null or { Length: 0 })
        {
            return Refuse(active, run, invocation, null, StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", "the tool input must be a JSON object in the request body", started);
        }

        // Parsed into arrays of its own, not pooled: the element outlives the call in its audit record.
        if (!StrictJson.TryParse(body, out var input, out var malformed))
        {
            return Refuse(active, run, invocation, body, StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", $"the request body is not strict JSON: {malformed.Message}",
                started, [new InputError(malformed.Pointer, malformed.Message)]);
        }

        if (input.ValueKind != JsonValueKind.Object)
        {
            return Refuse(active, run, invocation, body, StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, BuiltInRules.Schema, "the tool input must be a JSON object",
                started, [new InputError("", $"expected an object, got {input.ValueKind.ToString().ToLowerInvariant()}")]);
        }

        // What the upstream deduplicates on: the agent's key (or the approval id) scoped to this workflow, run and tool.
        var forwardedKey = invocation.IdempotencyKey is { Length: > 0 } agentKey ? $"key:{agentKey}"
            : invocation.ApprovalId is { } approvedId ? $"approval:{approvedId}"
            : null;
        var call = new PreparedCall(active, run, invocation, body, input, Convert.ToHexStringLower(SHA256.HashData(body)), started)
        {
            Intent = intent,
            AgentReason = agentReason,
            UpstreamKey = forwardedKey is null ? null : UpstreamIdempotencyKey.Derive(active.Engine.Bundle.Workflow, run.Id, invocation.Tool, forwardedKey),
        };
        var key = invocation.ApprovalId is { } approvalId ? $"approval:{approvalId}"
            : invocation.IdempotencyKey is { Length: > 0 } idempotencyKey ? $"key:{idempotencyKey}"
            : null;
        if (key is null)
        {
            return (await DecideAndExecuteAsync(call, cancellationToken)).Response;
        }

        var execution = await idempotency.ExecuteOnceAsync($"{run.Id}|{invocation.Tool}|{key}", call.InputSha256, () => DecideAndExecuteAsync(call, CancellationToken.None));
        if (execution.Mismatch)
        {
            return Refuse(active, run, invocation, body, StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, "idempotency", "this Idempotency-Key was already used with a different input", started);
        }

        if (execution.Replayed)
        {
            audit.Append(Record(call, "replayed", "idempotency", "a retry with the same key: the stored response is returned and nothing is executed again", execution.Response!.Status, executed: false));
        }

        return execution.Response!;
    }

    /// <summary>Refuses a call whose body is over the limit (413), audited like every refusal.</summary>
    public ToolCallResponse RefuseOversized(ToolCallInvocation invocation, int limit) =>
        Refuse(policies.Current, runs.Find(invocation.RunId), invocation, null, StatusCodes.Status413PayloadTooLarge, RefusalProblem.Invalid, "request.size",
            $"the request body exceeds {limit} bytes", timeProvider.GetTimestamp());

    private async Task<(ToolCallResponse Response, bool Keep)> DecideAndExecuteAsync(PreparedCall call, CancellationToken cancellationToken)
    {
        var engine = call.Active.Engine;
        var toolKnown = engine.Policy.TryGetTool(call.Invocation.Tool, out var tool);
        if (!TryResolveAction(call.Invocation.Action, tool?.Definition.Actions, out var action))
        {
            var allowed = string.Join(", ", (tool?.Definition.Actions ?? Enum.GetValues<ToolAction>()).Select(ActionName));
            var reason = call.Invocation.Action is { } named
                ? $"the X-Tool-Action header '{named}' is not an action: it must be one of {allowed}"
                : $"name the action with the X-Tool-Action header: one of {allowed}";
            return (Refuse(call, StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, "action", reason), false);
        }

        AgentApproval? approval = null;
        IReadOnlyList<string> approvers = [];
        if (call.Invocation.ApprovalId is { } approvalId)
        {
            var (stop, found) = await CheckApprovalAsync(call, approvalId, cancellationToken);
            if (stop is not null)
            {
                return (stop, false);
            }

            approval = found;
            approvers = ApprovalTally.Approvers(approval!.Status);
        }

        using var activity = StartSpan(call);
        var request = new ToolCallRequest(call.Invocation.Tool, action, call.Input) { Approvers = approvers, Intent = call.Intent, Reason = call.AgentReason };
        var decided = engine.DecideToolCall(request, call.Run.Ledger);
        var decision = decided.Decision;
        call = call with { Decided = decision.Kind, DecidedRule = decision.RuleId, ResolvedAction = action, Approvers = approvers.Count > 0 ? approvers : null };
        activity?.SetTag(GatewayTelemetry.AgentDecision, decision.MetricDecision);
        activity?.SetTag(GatewayTelemetry.AgentRule, decision.RuleId);
        var snapshot = decided.Run;

        switch (decision.Kind)
        {
            case DecisionKind.Allow:
                return await ExecuteAsync(call, tool!, action, decided, approval, approvers, snapshot, activity, cancellationToken);
            case DecisionKind.NeedsApproval when approval is null:
                return (await RequestApprovalAsync(call, tool, action, decision, snapshot, cancellationToken), true);
            case DecisionKind.NeedsApproval:
                return (Refuse(call, StatusCodes.Status403Forbidden, RefusalProblem.Deny, decision.RuleId ?? "approval",
                    $"the approval does not satisfy the policy: {decision.Reason}", snapshot: snapshot, policyDecision: decision), false);
            case DecisionKind.Proposal:
                Count(call, "escalate");
                audit.Append(Record(call, "proposal", decision.RuleId, decision.Reason, StatusCodes.Status202Accepted, executed: false, snapshot));
                return (Json(StatusCodes.Status202Accepted, new JsonObject { ["decision"] = "proposal", ["rule"] = decision.RuleId, ["reason"] = decision.Reason }), true);
            default:
                if (decision.Kind == DecisionKind.BudgetExceeded)
                {
                    runs.End(call.Run, RunOutcomes.BudgetExceeded, decision.RuleId);
                }

                var errors = decision.Errors.Select(e => new InputError(e.Pointer, e.Message)).ToList();
                var response = Refuse(call, decision.HttpStatus, decision.ProblemDecision!, decision.RuleId ?? "policy", decision.Reason, errors, snapshot, decision);
                if (decision.RetryAfter is { } retryAfter)
                {
                    response = response with { RetryAfterSeconds = (int)Math.Ceiling(retryAfter.TotalSeconds) };
                }

                return (response, false);
        }
    }

    private async Task<(ToolCallResponse Response, bool Keep)> ExecuteAsync(PreparedCall call, Policy.Compilation.CompiledTool tool, ToolAction action, ToolCallDecision decided,
        AgentApproval? approval, IReadOnlyList<string> approvers, RunSnapshot? snapshot, Activity? activity, CancellationToken cancellationToken)
    {
        using var reservation = decided.Reservation!;
        if (approval is not null && !await ConsumeApprovalAsync(approval, cancellationToken))
        {
            reservation.Settle(Usage.OneToolCall);
            return (Refuse(call, StatusCodes.Status409Conflict, RefusalProblem.Deny, "approval.consumed", "this approval was already used: an approved call executes exactly once", snapshot: snapshot), false);
        }

        // A write executes only while its audit record can be made durable in the audit store (fail closed).
        var isWrite = action != ToolAction.Read;
        if (isWrite && audit.StoreProblem is { } storeProblem)
        {
            return (Refuse(call, StatusCodes.Status503ServiceUnavailable, RefusalProblem.Deny, AuditStoreRule,
                $"write actions are refused while their audit record cannot be made durable: {storeProblem}", snapshot: snapshot), false);
        }

        var definition = tool.Definition;
        var outcome = await upstream.CallAsync(new UpstreamCall(definition.Name, definition.Upstream, definition.Auth, action == ToolAction.Read, call.Body,
            call.UpstreamKey), cancellationToken);
        if (reservation.Settle(Usage.OneToolCall) is { } exceeded)
        {
            runs.End(call.Run, RunOutcomes.BudgetExceeded, exceeded);
        }

        var reached = outcome.Failure is null or UpstreamFailure.Rejected or UpstreamFailure.TimedOut;
        if (outcome.Succeeded)
        {
            Count(call, "allow");
            activity?.SetStatus(ActivityStatusCode.Ok);
            var allowed = new ToolCallResponse(StatusCodes.Status200OK, outcome.Result ?? "null"u8.ToArray(), "application/json");
            return (await RecordAsync(call, Record(call, "allow", null, decided.Decision.Reason, StatusCodes.Status200OK, executed: true, snapshot), isWrite, allowed, cancellationToken), true);
        }

        var (status, rule, reason) = outcome.Failure switch
        {
            UpstreamFailure.TimedOut => (StatusCodes.Status504GatewayTimeout, "upstream.timeout", $"the upstream of {definition.Name} did not answer within {definition.Upstream.TimeoutSeconds} s"),
            UpstreamFailure.CircuitOpen => (StatusCodes.Status503ServiceUnavailable, "upstream.circuit_open", $"the upstream of {definition.Name} failed repeatedly; calls are paused for a while"),
            UpstreamFailure.Unreachable => (StatusCodes.Status502BadGateway, "upstream.unreachable", $"the upstream of {definition.Name} could not be reached"),
            UpstreamFailure.CredentialMissing => (StatusCodes.Status502BadGateway, "upstream.credential",
                $"the credential for the upstream of {definition.Name} is missing: its Secret or token is not mounted or not readable; the upstream was not called"),
            _ => (StatusCodes.Status502BadGateway, "upstream.rejected", $"the upstream of {definition.Name} answered with an error" + (outcome.UpstreamStatus is { } s ? $" ({s})" : "")),
        };
        Count(call, "error");
        activity?.SetStatus(ActivityStatusCode.Error, rule);
        var extra = outcome.Result is null || JsonNode.Parse(outcome.Result) is not { } answer ? null : new JsonObject { ["upstream"] = answer };
        var failed = new ToolCallResponse(status, RefusalProblem.Bytes(status, RefusalProblem.Error, rule, reason, extra: extra), RefusalProblem.ContentType);
        return (await RecordAsync(call, Record(call, "error", rule, reason, status, executed: reached, snapshot), isWrite && reached, failed, cancellationToken), outcome.Failure == UpstreamFailure.Rejected);
    }

    /// <summary>The rule of a refusal of a malformed or over-long <see cref="ActionPacket.IntentHeader"/>.</summary>
    public const string IntentRule = "request.intent";

    /// <summary>The rule of a refusal of a malformed or over-long <see cref="ActionPacket.ReasonHeader"/>.</summary>
    public const string ReasonRule = "request.reason";

    /// <summary>The rule of a refusal because the audit store cannot make a write's record durable.</summary>
    public const string AuditStoreRule = "audit.store";

    /// <summary>The rule of a refusal because the approval a call needs could not be requested.</summary>
    public const string ApprovalStoreRule = "approval.store";

    /// <summary>
    /// Records the call: a write that reached its upstream is answered only once its record is durable in the audit store;
    /// when the store does not acknowledge in time the agent gets a 503 naming the store instead of the result (the
    /// record stays in the pod's buffer and is shipped when the store is back). Reads are recorded and shipped within a second.
    /// </summary>
    private async Task<ToolCallResponse> RecordAsync(PreparedCall call, AuditRecord record, bool durable, ToolCallResponse response, CancellationToken cancellationToken)
    {
        if (!durable)
        {
            audit.Append(record);
            return response;
        }

        try
        {
            await audit.AppendAcknowledgedAsync(record, cancellationToken);
            return response;
        }
        catch (AuditStoreUnavailableException exception)
        {
            var reason = $"the {call.Invocation.Tool} call was executed, but its audit record could not be made durable, so its result is withheld: {exception.Message}";
            return new ToolCallResponse(StatusCodes.Status503ServiceUnavailable, RefusalProblem.Bytes(StatusCodes.Status503ServiceUnavailable, RefusalProblem.Error, AuditStoreRule, reason), RefusalProblem.ContentType);
        }
    }

    private async Task<ToolCallResponse> RequestApprovalAsync(PreparedCall call, Policy.Compilation.CompiledTool? tool, ToolAction action, Decision decision, RunSnapshot? snapshot, CancellationToken cancellationToken)
    {
        if (approvals is null || tool is null)
        {
            return Refuse(call, StatusCodes.Status403Forbidden, RefusalProblem.Escalate, decision.RuleId ?? "approval", $"{decision.Reason} No approval store is configured, so the call is refused.", snapshot: snapshot, policyDecision: decision);
        }

        var bundle = call.Active.Engine.Bundle;
        var spec = new AgentApprovalSpec
        {
            Workflow = bundle.Workflow.Name,
            Revision = bundle.Revision,
            RunId = call.Run.Id,
            Tool = tool.Definition.Name,
            Action = action,
            Input = redaction.Redact(call.Input, bundle) as JsonObject,
            InputSha256 = call.InputSha256,
            RiskTier = tool.Definition.RiskTier,
            ApprovalsRequired = Math.Clamp(decision.ApprovalsRequired, 1, 2),
            PolicyReason = decision.Reason.Length > 1024 ? decision.Reason[..1024] : decision.Reason,
            Intent = call.Intent,
            Reason = call.AgentReason,
            ExpiresAt = timeProvider.GetUtcNow() + approvalTimeToLive,
        };
        string approvalId;
        try
        {
            approvalId = await approvals.CreateAsync(spec, cancellationToken);
        }
        catch (ApprovalStoreUnavailableException exception)
        {
            // No human can be asked, so the call is refused (never executed unasked), audited and counted like any refusal.
            return Refuse(call, StatusCodes.Status503ServiceUnavailable, RefusalProblem.Error, ApprovalStoreRule,
                $"{decision.Reason} The approval request could not be recorded, so the call is refused: {exception.Message}", snapshot: snapshot, policyDecision: decision);
        }

        _approvalInputs[approvalId] = call.Body;
        metrics.Escalation(call.Run.Labels);
        Count(call, "escalate");
        audit.Append(Record(call, "escalate", decision.RuleId, decision.Reason, StatusCodes.Status202Accepted, executed: false, snapshot) with { ApprovalId = approvalId });
        return Json(StatusCodes.Status202Accepted, new JsonObject
        {
            ["approvalId"] = approvalId,
            ["status"] = "pending",
            ["approvalsRequired"] = spec.ApprovalsRequired,
            ["expiresAt"] = spec.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["decision"] = RefusalProblem.Escalate,
            ["rule"] = decision.RuleId,
            ["reason"] = decision.Reason,
        });
    }

    /// <summary>Reads and checks the approval the agent retries with; a non-null response stops the call.</summary>
    private async Task<(ToolCallResponse? Stop, AgentApproval? Approval)> CheckApprovalAsync(PreparedCall call, string approvalId, CancellationToken cancellationToken)
    {
        if (approvals is null)
        {
            return (Refuse(call, StatusCodes.Status403Forbidden, RefusalProblem.Deny, "approval", "no approval store is configured"), null);
        }

        var approval = await approvals.GetAsync(approvalId, cancellationToken);
        if (approval is null)
        {
            return (Refuse(call, StatusCodes.Status403Forbidden, RefusalProblem.Deny, "approval", $"approval '{approvalId}' does not exist"), null);
        }

        var spec = approval.Spec;
        if (spec.RunId != call.Run.Id || spec.Tool != call.Invocation.Tool || spec.InputSha256 != call.InputSha256)
        {
            return (Refuse(call, StatusCodes.Status403Forbidden, RefusalProblem.Deny, "approval.input", "the approval was granted for a different run, tool or input; it covers exactly the input it was created for"), null);
        }

        var status = approval.Status ?? new AgentApprovalStatus();
        var now = timeProvider.GetUtcNow();
        if (status.Decision == ApprovalDecision.Denied)
        {
            // A human said no: the escalation is answered, so the run ends escalated, with who and why in the audit record.
            return (Refuse(call, StatusCodes.Status403Forbidden, RefusalProblem.Escalate, "approval.denied", $"the approval was denied by {ApprovalTally.Denials(status)}"), null);
        }

        // The operator marks an undecided approval Expired at its expiry; until it has, the expiry time decides here.
        if (status.Decision == ApprovalDecision.Expired || (status.Decision == ApprovalDecision.Pending && now >= spec.ExpiresAt))
        {
            return (Refuse(call, StatusCodes.Status403Forbidden, RefusalProblem.Deny, "approval.expired", $"the approval expired at {spec.ExpiresAt:O} without a decision"), null);
        }

        if (status.Decision == ApprovalDecision.Pending)
        {
            audit.Append(Record(call, "escalate", "approval.pending", "still waiting for approval", StatusCodes.Status202Accepted, executed: false));
            return (Json(StatusCodes.Status202Accepted, new JsonObject
            {
                ["approvalId"] = approvalId,
                ["status"] = "pending",
                ["approvalsRequired"] = spec.ApprovalsRequired,
                ["approvals"] = (status.Approvals ?? []).Count,
            }), null);
        }

        if (status.ExecutedAt is not null)
        {
            return (Refuse(call, StatusCodes.Status409Conflict, RefusalProblem.Deny, "approval.consumed", "this approval was already used: an approved call executes exactly once"), null);
        }

        return (null, approval);
    }

    /// <summary>Marks the approval executed; true for exactly one caller across every gateway process.</summary>
    private async Task<bool> ConsumeApprovalAsync(AgentApproval approval, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConsumeAttempts; attempt++)
        {
            if (await approvals!.TryMarkExecutedAsync(approval, timeProvider.GetUtcNow(), cancellationToken))
            {
                return true;
            }

            approval = (await approvals.GetAsync(approval.Metadata.Name, cancellationToken))!;
            if (approval?.Status is not { Decision: ApprovalDecision.Approved, ExecutedAt: null })
            {
                return false;
            }
        }

        return false;
    }

    private static bool TryResolveAction(string? named, IReadOnlyList<ToolAction>? allowed, out ToolAction action)
    {
        if (named is not null)
        {
            // An unknown name is refused by the caller, naming the header and the actions, before any budget is reserved.
            ToolAction? parsed = named.ToLowerInvariant() switch
            {
                "read" => ToolAction.Read,
                "create" => ToolAction.Create,
                "update" => ToolAction.Update,
                "delete" => ToolAction.Delete,
                _ => null,
            };
            action = parsed ?? default;
            return parsed is not null;
        }

        if (allowed is null)
        {
            action = ToolAction.Read;
            return true;
        }

        if (allowed.Count == 1)
        {
            action = allowed[0];
            return true;
        }

        action = default;
        return false;
    }

    private static string ActionName(ToolAction action) => Enum.IsDefined(action) ? Policy.Compilation.CompiledTool.ActionName(action) : "unknown";

    private Activity? StartSpan(PreparedCall call)
    {
        // Without a listener there is no span: skip building its name.
        if (!GatewayTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = GatewayTelemetry.Source.StartActivity($"{GatewayTelemetry.OperationExecuteTool} {call.Invocation.Tool}", ActivityKind.Internal, call.Run.Activity?.Context ?? default);
        if (activity is not null)
        {
            activity.SetTag(GatewayTelemetry.GenAiOperationName, GatewayTelemetry.OperationExecuteTool);
            activity.SetTag(GatewayTelemetry.GenAiToolName, call.Invocation.Tool);
            activity.SetTag(GatewayTelemetry.AgentWorkflow, call.Run.Labels.Workflow);
            activity.SetTag(GatewayTelemetry.AgentRevision, call.Run.Labels.Revision);
            activity.SetTag(GatewayTelemetry.AgentRunId, call.Run.Id);
            activity.SetTag(GatewayTelemetry.GenAiToolCallArguments, redaction.Redact(call.Input, call.Active.Engine.Bundle)?.ToJsonString());
        }

        return activity;
    }

    // Agents choose tool names: only the bundle's own become label values.
    private static string ToolLabel(ActivePolicy? active, string tool) =>
        active is not null && active.Engine.Policy.TryGetTool(tool, out _) ? tool : AgentMetrics.Labels.UnknownTool;

    private void Count(PreparedCall call, string metricDecision) =>
        metrics.ToolCall(call.Run.Labels, ToolLabel(call.Active, call.Invocation.Tool), metricDecision, timeProvider.GetElapsedTime(call.Started));

    // A refusal is a policy violation by its rule; an escalation that waits for a human (or a draft's proposal) is not:
    // it is counted by agent_tool_calls_total{decision="escalate"} and agent_escalations_total.
    private ToolCallResponse Refuse(PreparedCall call, int status, string decision, string rule, string reason, IReadOnlyList<InputError>? errors = null, RunSnapshot? snapshot = null, Decision? policyDecision = null)
    {
        var escalation = policyDecision?.Kind is DecisionKind.NeedsApproval;
        Count(call, escalation ? "escalate" : policyDecision?.MetricDecision ?? "deny");
        metrics.PolicyViolation(call.Run.Labels, rule);
        Activity.Current?.SetTag(GatewayTelemetry.AgentReason, reason);
        audit.Append(Record(call, decision, rule, reason, status, executed: false, snapshot));
        return new ToolCallResponse(status, RefusalProblem.Bytes(status, decision, rule, reason, errors), RefusalProblem.ContentType);
    }

    /// <summary>A refusal before the input could be prepared (no run, malformed JSON, ...).</summary>
    private ToolCallResponse Refuse(ActivePolicy? active, RunState? run, ToolCallInvocation invocation, byte[]? body, int status, string decision, string rule, string reason, long started, IReadOnlyList<InputError>? errors = null)
    {
        if (run is not null)
        {
            metrics.ToolCall(run.Labels, ToolLabel(active, invocation.Tool), "deny", timeProvider.GetElapsedTime(started));
            metrics.PolicyViolation(run.Labels, rule);
        }

        audit.Append(new AuditRecord
        {
            Time = timeProvider.GetUtcNow(),
            Kind = AuditKinds.ToolCall,
            Workflow = active?.Labels.Workflow,
            Revision = active?.Labels.Revision,
            BundleSha256 = active?.Sha256,
            RunId = invocation.RunId,
            Tool = invocation.Tool,
            Decision = decision,
            Rule = rule,
            Reason = reason,
            Status = status,
            InputSha256 = body is null ? null : Convert.ToHexStringLower(SHA256.HashData(body)),
            InputBytes = body?.Length,
            IdempotencyKey = invocation.IdempotencyKey,
            ApprovalId = invocation.ApprovalId,
            Executed = false,
            DurationMs = timeProvider.GetElapsedTime(started).TotalMilliseconds,
        });
        return new ToolCallResponse(status, RefusalProblem.Bytes(status, decision, rule, reason, errors), RefusalProblem.ContentType);
    }

    private AuditRecord Record(PreparedCall call, string decision, string? rule, string reason, int status, bool executed, RunSnapshot? snapshot = null) => new()
    {
        Run = snapshot,
        Time = timeProvider.GetUtcNow(),
        Kind = AuditKinds.ToolCall,
        Workflow = call.Run.Labels.Workflow,
        Revision = call.Run.Labels.Revision,
        BundleSha256 = call.Active.Sha256,
        RunId = call.Run.Id,
        Tool = call.Invocation.Tool,
        Decision = decision,
        PolicyDecision = call.Decided?.ToString(),
        PolicyRule = call.DecidedRule,
        Action = call.ResolvedAction is { } resolved ? ActionName(resolved) : null,
        Approvers = call.Approvers,
        Rule = rule,
        Reason = reason,
        AgentIntent = call.Intent,
        AgentReason = call.AgentReason,
        Status = status,
        Input = redaction.RedactedCopy(call.Input, call.Active.Engine.Bundle),
        InputSha256 = call.InputSha256,
        InputBytes = call.Body.Length,
        IdempotencyKey = call.Invocation.IdempotencyKey,
        ApprovalId = call.Invocation.ApprovalId,
        Executed = executed,
        DurationMs = timeProvider.GetElapsedTime(call.Started).TotalMilliseconds,
    };

    private static ToolCallResponse Json(int status, JsonObject body) => new(status, JsonSerializer.SerializeToUtf8Bytes(body), "application/json");

    private sealed record PreparedCall(ActivePolicy Active, RunState Run, ToolCallInvocation Invocation, byte[] Body, JsonElement Input, string InputSha256, long Started)
    {
        public DecisionKind? Decided { get; init; }

        public string? DecidedRule { get; init; }

        /// <summary>The key forwarded upstream (<see cref="UpstreamIdempotencyKey"/>); null without a key or approval id.</summary>
        public string? UpstreamKey { get; init; }

        public ToolAction? ResolvedAction { get; init; }

        public IReadOnlyList<string>? Approvers { get; init; }

        /// <summary>The agent's decoded <see cref="ActionPacket.IntentHeader"/>, if sent.</summary>
        public string? Intent { get; init; }

        /// <summary>The agent's decoded <see cref="ActionPacket.ReasonHeader"/>, if sent.</summary>
        public string? AgentReason { get; init; }
    }
}
