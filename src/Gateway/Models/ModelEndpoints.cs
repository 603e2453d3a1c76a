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
            var body = await BoundedBody.ReadAsync(context.Request, maxBodyBytes * 16, context.RequestAborted);
            var (status, answer, contentType) = body is null
                ? (StatusCodes.Status413PayloadTooLarge, RefusalProblem.Bytes(StatusCodes.Status413PayloadTooLarge, RefusalProblem.Invalid, "request.size", "the request body is too large"), RefusalProblem.ContentType)
                : await service.CompleteAsync(context.Request.Headers["X-Agent-Run"].FirstOrDefault(), context.Request.Headers["X-Agent-Role"].FirstOrDefault(), body, context.RequestAborted);
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(answer, context.RequestAborted);
        });
        return endpoints;
    }
}
