using System.Text.Json.Nodes;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// A container's <c>args</c> as written, for the image's own entrypoint to parse (the gateway's
/// <c>GatewayServeArguments</c>, the sample agent's command line): dev mode has no parser of its own.
/// </summary>
internal static class ContainerArguments
{
    public static IReadOnlyList<string> Raw(JsonObject container) =>
        [.. (container["args"] as JsonArray ?? []).Select(a => a?.GetValue<string>() ?? "")];
}
