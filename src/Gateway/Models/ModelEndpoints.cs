using System.Text.Json.Nodes;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;

namespace AgentOperator.Gateway.Models;

/// <summary>
/// <c>POST /v1/chat/completions</c> with headers <c>X-Agent-Run</c> and <c>X-Agent-Role</c>, and
/// <c>GET /v1/models</c>: the workflow's pinned models in OpenAI's list shape.
/// </summary>
public static class ModelEndpoints
{
    /// <summary>Maps the model proxy.</summary>
    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder endpoints, int maxBodyBytes)
    {
        endpoints.MapPost("/v1/chat/completions", async (HttpContext context, ModelCallService service) =>
        {
            var body = await BoundedBody.ReadAsync(context.Request, maxBodyBytes, context.RequestAborted);
            await service.HandleAsync(context, body, maxBodyBytes);
        });
        endpoints.MapGet("/v1/models", (PolicyHolder policies) =>
        {
            var bundle = policies.Current?.Engine.Bundle;
            var models = (bundle?.Models.Values ?? []).DistinctBy(m => m.Model).OrderBy(m => m.Model, StringComparer.Ordinal);
            var list = new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray([.. models.Select(m => (JsonNode)new JsonObject { ["id"] = m.Model, ["object"] = "model", ["created"] = 0, ["owned_by"] = m.Provider })]),
            };
            return Results.Text(list.ToJsonString(), "application/json", System.Text.Encoding.UTF8);
        });
        return endpoints;
    }
}
