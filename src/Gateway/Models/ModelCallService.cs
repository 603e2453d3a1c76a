using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Audit;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;
using AgentOperator.Gateway.Runs;
using AgentOperator.Gateway.Telemetry;
using AgentOperator.Gateway.Upstreams;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Inputs;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Gateway.Models;

/// <summary>
/// The OpenAI-compatible model proxy: the role from <c>X-Agent-Role</c> must be declared and the request may
/// name only its pinned model (<see cref="PolicyEngine.DecideModelCall"/>, which also reserves one step and
/// the worst-case tokens and cost); the call goes to the role's endpoint with the provider key from the
/// mounted Secret, and the response's <c>usage</c> settles the reservation and feeds agent_tokens_total and
/// agent_cost_usd_total.
/// </summary>
public sealed class ModelCallService(PolicyHolder policies, RunRegistry runs, HttpClient http, UpstreamCredentialFiles credentials, GatewayMetrics metrics, AuditLog audit, TimeProvider timeProvider)
{
    /// <summary>Handles one chat completion request.</summary>
    public async Task<(int Status, byte[] Body, string ContentType)> CompleteAsync(string? runId, string? role, byte[] body, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        if (policies.Current is not { } active)
        {
            return Refuse(null, null, role, null, StatusCodes.Status503ServiceUnavailable, RefusalProblem.Deny, "bundle", "no policy bundle is loaded", started);
        }

        if (runId is null || runs.Find(runId) is not { } run)
        {
            return Refuse(active, null, role, null, StatusCodes.Status404NotFound, RefusalProblem.Deny, "run", "X-Agent-Run must name a started run", started);
        }

        if (run.Outcome is { } ended)
        {
            return Refuse(active, run, role, null, ended == RunOutcomes.BudgetExceeded ? StatusCodes.Status429TooManyRequests : StatusCodes.Status403Forbidden,
                ended == RunOutcomes.BudgetExceeded ? RefusalProblem.BudgetExceeded : RefusalProblem.Deny, run.Ledger.TerminatedBy ?? "run", $"the run has ended ({ended})", started);
        }

        if (string.IsNullOrEmpty(role))
        {
            return Refuse(active, run, role, null, StatusCodes.Status403Forbidden, RefusalProblem.Deny, BuiltInRules.ModelRole, "X-Agent-Role must name a model role of the workflow", started);
        }

        if (!StrictJson.TryParse(body, out var parsed, out var malformed))
        {
            return Refuse(active, run, role, null, StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", $"the request body is not strict JSON: {malformed.Message}", started,
                [new InputError(malformed.Pointer, malformed.Message)]);
        }

        // JsonObject.Create throws on anything but an object: an array or a scalar is refused here, never a 500.
        if (parsed.ValueKind != JsonValueKind.Object || JsonObject.Create(parsed) is not { } request)
        {
            return Refuse(active, run, role, null, StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", "the body must be a JSON chat completion request (an object)", started,
                [new InputError("", "expected an object")]);
        }

        string? model;
        int? maxTokens;
        try
        {
            model = request["model"]?.GetValue<string>();
            maxTokens = (request["max_completion_tokens"] ?? request["max_tokens"])?.GetValue<int>();
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException)
        {
            return Refuse(active, run, role, null, StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, "request.schema", "model must be a string and max_tokens an integer", started,
                [new InputError("/model", "expected a string"), new InputError("/max_tokens", "expected an integer")]);
        }

        if (request["stream"] is JsonValue stream && stream.TryGetValue<bool>(out var streaming) && streaming)
        {
            return Refuse(active, run, role, model, StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, "request.stream", "streaming is not supported: the gateway must read usage from the response", started,
                [new InputError("/stream", "must be false or absent")]);
        }

        var estimatedPrompt = (int)Math.Min(int.MaxValue, (request["messages"]?.ToJsonString().Length ?? 0) / 4);
        var decided = active.Engine.DecideModelCall(new ModelCallRequest(role, model) { MaxCompletionTokens = maxTokens, EstimatedPromptTokens = estimatedPrompt }, run.Ledger);
        if (!decided.Decision.IsAllowed)
        {
            if (decided.Decision.Kind == DecisionKind.BudgetExceeded)
            {
                runs.End(run, RunOutcomes.BudgetExceeded, decided.Decision.RuleId);
            }

            metrics.PolicyViolation(run.Labels, decided.Decision.RuleId ?? "model");
            return Refuse(active, run, role, model, decided.Decision.HttpStatus, decided.Decision.ProblemDecision!, decided.Decision.RuleId ?? "model", decided.Decision.Reason, started);
        }

        var pinned = decided.Model!;
        using var reservation = decided.Reservation!;
        if (pinned.Endpoint is null)
        {
            reservation.Release();
            return Refuse(active, run, role, model, StatusCodes.Status502BadGateway, RefusalProblem.Error, "model.endpoint", $"role '{role}' has no endpoint configured", started);
        }

        request["model"] = pinned.Model;
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
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request)),
        };
        upstreamRequest.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        HttpResponseMessage response;
        try
        {
            if (pinned.CredentialsSecretRef is { } secret
                && await credentials.HeaderAsync(new ToolAuth { SecretRef = new SecretHeaderAuth { Name = secret.Name, Key = secret.Key } }, cancellationToken) is { } header)
            {
                upstreamRequest.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            response = await http.SendAsync(upstreamRequest, timeout.Token);
        }
        catch (UpstreamCredentialException)
        {
            reservation.Release();
            activity?.SetStatus(ActivityStatusCode.Error, "credential");
            return Refuse(active, run, role, model, StatusCodes.Status502BadGateway, RefusalProblem.Error, "model.credential",
                $"the provider key of role '{role}' (Secret {pinned.CredentialsSecretRef!.Name}, key {pinned.CredentialsSecretRef.Key}) is missing: it is not mounted or not readable; the endpoint was not called", started);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            reservation.Settle(new Usage(Steps: 1));
            activity?.SetStatus(ActivityStatusCode.Error, "unreachable");
            return Refuse(active, run, role, model, StatusCodes.Status502BadGateway, RefusalProblem.Error, "model.unreachable", $"the endpoint of role '{role}' could not be reached", started);
        }

        using (response)
        {
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            long prompt = 0, completion = 0;
            try
            {
                if (JsonNode.Parse(answer)?["usage"] is JsonObject usage)
                {
                    prompt = usage["prompt_tokens"]?.GetValue<long>() ?? 0;
                    completion = usage["completion_tokens"]?.GetValue<long>() ?? 0;
                }
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
            {
                // No usable usage: the reservation (worst case) is what the call is charged.
                prompt = reservation.Amount.Tokens;
            }

            var cost = pinned.CostUsd(prompt, completion);
            if (reservation.Settle(new Usage(Steps: 1, Tokens: prompt + completion, CostUsd: cost)) is { } exceeded)
            {
                runs.End(run, RunOutcomes.BudgetExceeded, exceeded);
            }

            metrics.Tokens(run.Labels, role, pinned.Model, prompt + completion);
            metrics.Cost(run.Labels, (decimal)cost);
            activity?.SetTag(GatewayTelemetry.GenAiInputTokens, prompt);
            activity?.SetTag(GatewayTelemetry.GenAiOutputTokens, completion);
            activity?.SetTag(GatewayTelemetry.AgentCostUsd, cost);
            activity?.SetTag(GatewayTelemetry.AgentDecision, "allow");
            audit.Append(new AuditRecord
            {
                Time = timeProvider.GetUtcNow(),
                Kind = AuditKinds.ModelCall,
                Workflow = run.Labels.Workflow,
                Revision = run.Labels.Revision,
                BundleSha256 = active.Sha256,
                RunId = run.Id,
                Role = role,
                Model = pinned.Model,
                Decision = "allow",
                Status = (int)response.StatusCode,
                Executed = true,
                InputTokens = prompt,
                OutputTokens = completion,
                CostUsd = (decimal)cost,
                DurationMs = timeProvider.GetElapsedTime(started).TotalMilliseconds,
            });
            return ((int)response.StatusCode, answer, response.Content.Headers.ContentType?.ToString() ?? "application/json");
        }
    }

    /// <summary>Refuses a request whose body is over the limit (413), audited like every refusal.</summary>
    public (int Status, byte[] Body, string ContentType) RefuseOversized(string? runId, string? role, int limit) =>
        Refuse(policies.Current, runId is null ? null : runs.Find(runId), role, null, StatusCodes.Status413PayloadTooLarge, RefusalProblem.Invalid, "request.size",
            $"the request body exceeds the limit of {limit} bytes", timeProvider.GetTimestamp());

    private (int, byte[], string) Refuse(ActivePolicy? active, RunState? run, string? role, string? model, int status, string decision, string rule, string reason, long started, IReadOnlyList<InputError>? errors = null)
    {
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
            Decision = decision,
            Rule = rule,
            Reason = reason,
            Status = status,
            Executed = false,
            DurationMs = timeProvider.GetElapsedTime(started).TotalMilliseconds,
        });
        // OpenAI clients read "error"; everything else reads the problem members.
        var openAiError = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = reason,
                ["type"] = status is StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status422UnprocessableEntity ? "invalid_request_error" : decision,
                ["code"] = rule,
            },
        };
        return (status, RefusalProblem.Bytes(status, decision, rule, reason, errors, openAiError), RefusalProblem.ContentType);
    }
}
