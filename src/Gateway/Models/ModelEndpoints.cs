using AgentOperator.Gateway.Http;

namespace AgentOperator.Gateway.Models;

/// <summary><c>POST /v1/chat/completions</c> with headers <c>X-Agent-Run</c> and <c>X-Agent-Role</c>.</summary>
public static class ModelEndpoints
{
    /// <summary>Maps the model proxy.</summary>
    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder endpoints, int maxBodyBytes)
    {
        endpoints.MapPost("/v1/chat/completions", async (HttpContext context, ModelCallService service) =>
        {
            var body = await BoundedBody.ReadAsync(context.Request, maxBodyBytes, context.RequestAborted);
            var runId = context.Request.Headers["X-Agent-Run"].FirstOrDefault();
            var role = context.Request.Headers["X-Agent-Role"].FirstOrDefault();
            var (status, answer, contentType) = body is null
                ? service.RefuseOversized(runId, role, maxBodyBytes)
                : await service.CompleteAsync(runId, role, body, context.RequestAborted);
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(answer, context.RequestAborted);
        });
        return endpoints;
    }
}
