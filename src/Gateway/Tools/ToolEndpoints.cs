using AgentOperator.Contracts;
using AgentOperator.Gateway.Http;

namespace AgentOperator.Gateway.Tools;

/// <summary>
/// <c>POST /v1/runs/{runId}/tools/{tool}</c>: the tool input as the JSON body, optional <c>Idempotency-Key</c>,
/// <c>X-Approval-Id</c> (retry after a 202; the body may then be empty), <c>X-Tool-Action</c>, and the action packet
/// <c>X-Agent-Intent</c> / <c>X-Agent-Reason</c> (<see cref="ActionPacket"/>).
/// Answers 200 with the upstream result, 202 pending approval, 400, 402 (budget exhausted), 403, 413, 422, 429 (rate limit), or 5xx when the
/// upstream failed.
/// </summary>
public static class ToolEndpoints
{
    /// <summary>Maps the tool-call endpoint.</summary>
    public static IEndpointRouteBuilder MapToolApi(this IEndpointRouteBuilder endpoints, int maxBodyBytes)
    {
        endpoints.MapPost("/v1/runs/{runId}/tools/{tool}", async (HttpContext context, string runId, string tool, ToolCallService service) =>
        {
            var body = await BoundedBody.ReadAsync(context.Request, maxBodyBytes, context.RequestAborted);
            var invocation = new ToolCallInvocation(
                runId,
                tool,
                body,
                Header(context, "Idempotency-Key"),
                Header(context, "X-Approval-Id"),
                Header(context, "X-Tool-Action"))
            {
                IntentHeader = Header(context, ActionPacket.IntentHeader),
                ReasonHeader = Header(context, ActionPacket.ReasonHeader),
            };
            var response = body is null
                ? service.RefuseOversized(invocation, maxBodyBytes)
                : await service.InvokeAsync(invocation, context.RequestAborted);
            await WriteAsync(context, response);
        });
        return endpoints;
    }

    /// <summary>Writes a tool-call response.</summary>
    public static async Task WriteAsync(HttpContext context, ToolCallResponse response)
    {
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        if (response.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
    }

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var value) && value.Count > 0 && !string.IsNullOrWhiteSpace(value[0]) ? value[0]!.Trim() : null;
}
