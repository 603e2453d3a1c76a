using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.Operator.Traffic;

/// <summary>The stable and canary Services in the workflow's namespace, and the port an HTTPRoute's backendRefs use.</summary>
internal sealed record BackendServices(string Namespace, string Stable, string Canary, int Port)
{
    /// <summary>Whether the backendRef names the stable Service.</summary>
    public bool IsStable(JsonNode? backendRef) => Names(backendRef, Stable);

    /// <summary>Whether the backendRef names the canary Service.</summary>
    public bool IsCanary(JsonNode? backendRef) => Names(backendRef, Canary);

    // Group absent or "" (core), kind absent or Service, namespace absent or ours: the Gateway API defaults.
    private bool Names(JsonNode? backendRef, string service) =>
        backendRef is JsonObject obj
        && Text(obj["name"]) == service
        && Text(obj["group"]) is null or ""
        && Text(obj["kind"]) is null or "Service"
        && (Text(obj["namespace"]) is not { } ns || ns == Namespace);

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
