using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;

namespace AgentOperator.SampleAgent;

/// <summary>The agent-facing gateway API (docs/design.md, "Agent-facing HTTP API"), as an agent calls it.</summary>
public sealed class GatewayClient(HttpClient http)
{
    /// <summary><c>POST /v1/runs</c>; the run id, or null with the reply when the gateway refused.</summary>
    public async Task<(string? RunId, GatewayReply Reply)> StartRunAsync(string task, CancellationToken cancellationToken)
    {
        var reply = await PostAsync("v1/runs", new JsonObject { ["task"] = task }, headers: null, cancellationToken);
        var runId = reply.Status == 201 && reply.Body?["runId"] is JsonValue value && value.TryGetValue<string>(out var id) ? id : null;
        return (runId, reply);
    }

    /// <summary>
    /// <c>POST /v1/chat/completions</c> for <paramref name="role"/>. The body names no model: the gateway
    /// substitutes the role's pinned one, and would refuse any other.
    /// </summary>
    public Task<GatewayReply> ChatAsync(string runId, string role, string task, int maxTokens, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = $"You are the {role} of a customer support agent." },
                new JsonObject { ["role"] = "user", ["content"] = task }),
            ["max_tokens"] = maxTokens,
        };
        return PostAsync("v1/chat/completions", body, [new("X-Agent-Run", runId), new("X-Agent-Role", role)], cancellationToken);
    }

    /// <summary>
    /// <c>POST /v1/runs/{runId}/tools/{tool}</c> with an Idempotency-Key, the action in X-Tool-Action, the agent's
    /// intent and reason (<see cref="ActionPacket"/>) when given and, when retrying after a 202, the approval id in X-Approval-Id.
    /// </summary>
    public Task<GatewayReply> CallToolAsync(string runId, string tool, string? action, JsonObject input, string idempotencyKey, string? approvalId, CancellationToken cancellationToken,
        string? intent = null, string? reason = null)
    {
        List<KeyValuePair<string, string>> headers = [new("Idempotency-Key", idempotencyKey)];
        if (action is not null)
        {
            headers.Add(new("X-Tool-Action", action));
        }

        if (intent is not null)
        {
            headers.Add(new(ActionPacket.IntentHeader, ActionPacket.Encode(intent)));
        }

        if (reason is not null)
        {
            headers.Add(new(ActionPacket.ReasonHeader, ActionPacket.Encode(reason)));
        }

        if (approvalId is not null)
        {
            headers.Add(new("X-Approval-Id", approvalId));
        }

        return PostAsync($"v1/runs/{Uri.EscapeDataString(runId)}/tools/{Uri.EscapeDataString(tool)}", input, headers, cancellationToken);
    }

    /// <summary><c>POST /v1/runs/{runId}/complete</c>; <paramref name="evalPassed"/> only in eval mode.</summary>
    public Task<GatewayReply> CompleteAsync(string runId, string outcome, bool? evalPassed, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["outcome"] = outcome };
        if (evalPassed is { } passed)
        {
            body["evalPassed"] = passed;
        }

        return PostAsync($"v1/runs/{Uri.EscapeDataString(runId)}/complete", body, headers: null, cancellationToken);
    }

    private async Task<GatewayReply> PostAsync(string path, JsonNode body, IEnumerable<KeyValuePair<string, string>>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? json = null;
        if (text.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // A non-JSON body (a proxy's error page) still has a status worth reporting.
            }
        }

        return new((int)response.StatusCode, json, response.Headers.RetryAfter?.Delta);
    }
}
