using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Audit;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;
using AgentOperator.Gateway.Runs;
using AgentOperator.Gateway.Telemetry;
using AgentOperator.Gateway.Upstreams;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Gateway.Models;

/// <summary>
/// The OpenAI-compatible model proxy: the role from <c>X-Agent-Role</c> must be declared and the request may
/// name only its pinned model (<see cref="PolicyEngine.DecideModelCall"/>, which also caps the call to what
/// maxTokensPerCall and the run's budgets allow and reserves one step, the prompt estimate and the cap × n);
/// the cap always goes upstream. The call goes to the role's endpoint with the provider key from the mounted
/// Secret; the answer's <c>usage</c> (or, without one, the reservation) settles the call and feeds
/// agent_tokens_total and agent_cost_usd_total. <c>stream: true</c> is relayed as Server-Sent Events by
/// <see cref="ModelStreamRelay"/>. Every refusal is a <see cref="ModelRefusal"/>, audited.
/// </summary>
public sealed class ModelCallService(PolicyHolder policies, RunRegistry runs, HttpClient http, UpstreamCredentialFiles credentials, GatewayMetrics metrics, AuditLog audit, TimeProvider timeProvider)
{
    private const string ChargedUsage = "usage";
    private const string ChargedReservation = "reservation";

    /// <summary>Handles one chat completion request; <paramref name="body"/> is null when it was over <paramref name="limit"/> bytes.</summary>
    public async Task HandleAsync(HttpContext context, byte[]? body, int limit)
    {
        var started = timeProvider.GetTimestamp();
        var cancellationToken = context.RequestAborted;
        var runId = context.Request.Headers["X-Agent-Run"].FirstOrDefault();
        var role = context.Request.Headers["X-Agent-Role"].FirstOrDefault();
        var active = policies.Current;
        var run = runId is null ? null : runs.Find(runId);
        async Task RefuseAsync(ModelRefusal refusal, string? model = null)
        {
            AuditRefusal(active, run, role, model, refusal, started);
            await refusal.WriteAsync(context.Response, cancellationToken);
        }

        if (body is null)
        {
            await RefuseAsync(new ModelRefusal(StatusCodes.Status413PayloadTooLarge, RefusalProblem.Invalid, "request.size", $"the request body exceeds the limit of {limit} bytes"));
            return;
        }

        if (active is null)
        {
            await RefuseAsync(new ModelRefusal(StatusCodes.Status503ServiceUnavailable, RefusalProblem.Deny, "bundle", "no policy bundle is loaded", ShouldRetry: true));
            return;
        }

        if (run is null)
        {
            await RefuseAsync(new ModelRefusal(StatusCodes.Status404NotFound, RefusalProblem.Deny, "run", "X-Agent-Run must name a started run"));
            return;
        }

        if (run.Outcome is { } ended)
        {
            // Say which budget ended it: a later call of the run learns why from this answer alone.
            await RefuseAsync(ended == RunOutcomes.BudgetExceeded && run.Ledger.TerminatedBy is { } budget
                ? new ModelRefusal(RefusalStatuses.BudgetExhausted, RefusalProblem.BudgetExceeded, budget, $"the run has ended ({ended}): {BudgetCheck.Describe(budget, run.Ledger.Limits)}")
                : new ModelRefusal(StatusCodes.Status403Forbidden, RefusalProblem.Deny, run.Ledger.TerminatedBy ?? "run", $"the run has ended ({ended})"));
            return;
        }

        if (string.IsNullOrEmpty(role))
        {
            await RefuseAsync(new ModelRefusal(StatusCodes.Status403Forbidden, RefusalProblem.Deny, BuiltInRules.ModelRole, "X-Agent-Role must name a model role of the workflow"));
            return;
        }

        if (!ChatRequest.TryParse(body, out var request, out var invalid))
        {
            await RefuseAsync(new ModelRefusal(StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", invalid!.Message, invalid));
            return;
        }

        var decided = active.Engine.DecideModelCall(
            new ModelCallRequest(role, request!.Model) { MaxCompletionTokens = request.RequestedCap, EstimatedPromptTokens = request.EstimatedPromptTokens, Choices = request.Choices },
            run.Ledger);
        if (!decided.Decision.IsAllowed)
        {
            if (decided.Decision.Kind == DecisionKind.BudgetExceeded && !decided.Retryable)
            {
                runs.End(run, RunOutcomes.BudgetExceeded, decided.Decision.RuleId);
            }

            metrics.PolicyViolation(run.Labels, decided.Decision.RuleId ?? "model");
            await RefuseAsync(new ModelRefusal(decided.HttpStatus, decided.Decision.ProblemDecision!, decided.Decision.RuleId ?? "model", decided.Decision.Reason,
                ShouldRetry: decided.Retryable, RetryAfterSeconds: decided.Retryable ? RefusalStatuses.InFlightRetryAfterSeconds : null), request.Model);
            return;
        }

        var pinned = decided.Model!;
        using var reservation = decided.Reservation!;
        if (pinned.Endpoint is null)
        {
            reservation.Release();
            await RefuseAsync(new ModelRefusal(StatusCodes.Status502BadGateway, RefusalProblem.Error, "model.endpoint", $"role '{role}' has no endpoint configured"), request.Model);
            return;
        }

        request.Prepare(pinned.Model, decided.MaxCompletionTokens);
        using var activity = GatewayTelemetry.Source.StartActivity($"{GatewayTelemetry.OperationChat} {pinned.Model}", ActivityKind.Client, run.Activity?.Context ?? default);
        activity?.SetTag(GatewayTelemetry.GenAiOperationName, GatewayTelemetry.OperationChat);
        activity?.SetTag(GatewayTelemetry.GenAiSystem, pinned.Provider);
        activity?.SetTag(GatewayTelemetry.GenAiRequestModel, pinned.Model);
        activity?.SetTag(GatewayTelemetry.AgentWorkflow, run.Labels.Workflow);
        activity?.SetTag(GatewayTelemetry.AgentRevision, run.Labels.Revision);
        activity?.SetTag(GatewayTelemetry.AgentRunId, run.Id);
        activity?.SetTag(GatewayTelemetry.AgentRole, role);

        using var upstreamRequest = new HttpRequestMessage(HttpMethod.Post, pinned.Endpoint.TrimEnd('/') + "/chat/completions")
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request.Body)),
        };
        upstreamRequest.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        HttpResponseMessage response;
        try
        {
            if (pinned.CredentialsSecretRef is { } secret
                && await credentials.HeaderAsync(new ToolAuth { SecretRef = new SecretHeaderAuth { Name = secret.Name, Key = secret.Key } }, cancellationToken) is { } header)
            {
                upstreamRequest.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response = await http.SendAsync(upstreamRequest, request.Stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, timeout.Token);
        }
        catch (UpstreamCredentialException)
        {
            reservation.Release();
            activity?.SetStatus(ActivityStatusCode.Error, "credential");
            await RefuseAsync(new ModelRefusal(StatusCodes.Status502BadGateway, RefusalProblem.Error, "model.credential",
                $"the provider key of role '{role}' (Secret {pinned.CredentialsSecretRef!.Name}, key {pinned.CredentialsSecretRef.Key}) is missing: it is not mounted or not readable; the endpoint was not called"), request.Model);
            return;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            reservation.Settle(new Usage(Steps: 1));
            activity?.SetStatus(ActivityStatusCode.Error, "unreachable");
            await RefuseAsync(new ModelRefusal(StatusCodes.Status502BadGateway, RefusalProblem.Error, "model.unreachable", $"the endpoint of role '{role}' could not be reached", ShouldRetry: true), request.Model);
            return;
        }

        using (response)
        {
            var call = new SettledCall(active, run, role, pinned, reservation, decided.MaxCompletionTokens, request.EstimatedPromptTokens, (int)response.StatusCode, started, activity);
            if (request.Stream && response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                await RelayStreamAsync(call, request, response, context.Response, timeout.Token);
                return;
            }

            var answer = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            Settle(call, response.IsSuccessStatusCode ? ReadUsage(answer) : (0, 0), streamed: false, cutBy: null, note: null);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await context.Response.Body.WriteAsync(answer, cancellationToken);
        }
    }

    private async Task RelayStreamAsync(SettledCall call, ChatRequest request, HttpResponseMessage response, HttpResponse agent, CancellationToken cancellationToken)
    {
        var relay = new ModelStreamRelay(call.Reservation, call.Model, request.EstimatedPromptTokens, request.ClientWantsUsage);
        string? note = null;
        try
        {
            await using var upstream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await relay.RelayAsync(upstream, agent, budget => new ModelRefusal(RefusalStatuses.BudgetExhausted, RefusalProblem.BudgetExceeded, budget, CutReason(budget, call.Run, relay)), cancellationToken);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException)
        {
            // The agent went away, the upstream broke off or the call timed out: what was generated is unknown.
            note = "the stream ended early (the agent or the upstream closed it); no usage arrived, so the call is charged its reservation";
        }

        var usage = relay.CutBy is null ? relay.Usage : null;
        Settle(call, usage ?? (-1, relay.CountedCompletionTokens), streamed: true, relay.CutBy, relay.CutBy is { } budget ? CutReason(budget, call.Run, relay) : note);
        if (note is null)
        {
            try
            {
                await relay.EndAsync(agent, cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException)
            {
                // The agent went away after the call was settled: nothing is left to tell it.
            }
        }
    }

    private static string CutReason(string budget, RunState run, ModelStreamRelay relay) =>
        $"the stream was cut after about {relay.CountedCompletionTokens} completion tokens: the run's {budget} budget ({BudgetLimit(budget, run.Ledger.Limits)}) does not allow more";

    private static string BudgetLimit(string budget, Crds.V1Alpha1.Budgets limits) => budget switch
    {
        BudgetNames.MaxTokensTotal => $"{limits.MaxTokensTotal} tokens",
        BudgetNames.MaxCostUsd => $"{limits.MaxCostUsd} USD",
        BudgetNames.MaxWallTimeSeconds => $"{limits.MaxWallTimeSeconds} s",
        _ => budget,
    };

    // Prompt -1: no usage in the answer.
    private static (long Prompt, long Completion) ReadUsage(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
                && usage.TryGetProperty("prompt_tokens", out var prompt) && prompt.TryGetInt64(out var promptTokens) && promptTokens >= 0
                && usage.TryGetProperty("completion_tokens", out var completion) && completion.TryGetInt64(out var completionTokens) && completionTokens >= 0)
            {
                return (promptTokens, completionTokens);
            }
        }
        catch (JsonException)
        {
        }

        return (-1, 0);
    }

    /// <summary>
    /// Charges the call: the provider's usage when it reported one; otherwise (prompt -1) the reservation, or
    /// the tokens counted from a stream if more. A provider's error answer (not 2xx) costs one step only: providers
    /// bill no tokens for refused requests.
    /// </summary>
    private void Settle(SettledCall call, (long Prompt, long Completion) usage, bool streamed, string? cutBy, string? note)
    {
        var (run, model, reservation) = (call.Run, call.Model, call.Reservation);
        long prompt, completion;
        double cost;
        string source;
        if (call.Status is < 200 or > 299)
        {
            (prompt, completion, cost, source) = (0, 0, 0, ChargedUsage);
        }
        else if (usage.Prompt >= 0)
        {
            (prompt, completion, cost, source) = (usage.Prompt, usage.Completion, model.CostUsd(usage.Prompt, usage.Completion), ChargedUsage);
        }
        else
        {
            prompt = call.EstimatedPromptTokens;
            completion = Math.Max(reservation.Amount.Tokens - prompt, usage.Completion);
            cost = Math.Max(reservation.Amount.CostUsd, model.CostUsd(prompt, completion));
            source = ChargedReservation;
            note ??= $"the answer carried no usage: charged the reservation ({prompt + completion} tokens, {cost:0.######} USD)";
        }

        if (reservation.Settle(new Usage(Steps: 1, Tokens: prompt + completion, CostUsd: cost)) is { } exceeded)
        {
            runs.End(run, RunOutcomes.BudgetExceeded, exceeded);
        }

        if (cutBy is not null)
        {
            runs.End(run, RunOutcomes.BudgetExceeded, cutBy);
            metrics.PolicyViolation(run.Labels, cutBy);
        }

        metrics.Tokens(run.Labels, call.Role, model.Model, prompt + completion);
        metrics.Cost(run.Labels, (decimal)cost);
        call.Activity?.SetTag(GatewayTelemetry.GenAiInputTokens, prompt);
        call.Activity?.SetTag(GatewayTelemetry.GenAiOutputTokens, completion);
        call.Activity?.SetTag(GatewayTelemetry.AgentCostUsd, cost);
        call.Activity?.SetTag(GatewayTelemetry.AgentDecision, cutBy is null ? "allow" : RefusalProblem.BudgetExceeded);
        audit.Append(new AuditRecord
        {
            Time = timeProvider.GetUtcNow(),
            Kind = AuditKinds.ModelCall,
            Workflow = run.Labels.Workflow,
            Revision = run.Labels.Revision,
            BundleSha256 = call.Active.Sha256,
            RunId = run.Id,
            Role = call.Role,
            Model = model.Model,
            Decision = cutBy is null ? "allow" : RefusalProblem.BudgetExceeded,
            Rule = cutBy,
            Reason = note,
            Status = call.Status,
            Executed = true,
            InputTokens = prompt,
            OutputTokens = completion,
            CostUsd = (decimal)cost,
            MaxCompletionTokens = call.Cap,
            Streamed = streamed,
            UsageSource = source,
            DurationMs = timeProvider.GetElapsedTime(call.Started).TotalMilliseconds,
        });
    }

    private void AuditRefusal(ActivePolicy? active, RunState? run, string? role, string? model, ModelRefusal refusal, long started) =>
        audit.Append(new AuditRecord
        {
            Time = timeProvider.GetUtcNow(),
            Kind = AuditKinds.ModelCall,
            Workflow = active?.Labels.Workflow,
            Revision = active?.Labels.Revision,
            BundleSha256 = active?.Sha256,
            RunId = run?.Id,
            Role = role,
            Model = model,
            Decision = refusal.Decision,
            Rule = refusal.Rule,
            Reason = refusal.Reason,
            Status = refusal.Status,
            Executed = false,
            DurationMs = timeProvider.GetElapsedTime(started).TotalMilliseconds,
        });

    private sealed record SettledCall(ActivePolicy Active, RunState Run, string Role, BundleModel Model, BudgetReservation Reservation, long Cap, long EstimatedPromptTokens, int Status, long Started, Activity? Activity);
}
