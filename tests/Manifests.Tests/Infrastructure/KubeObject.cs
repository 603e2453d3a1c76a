using System.Text.Json.Nodes;

namespace AgentOperator.Manifests.Tests.Infrastructure;

/// <summary>One rendered Kubernetes object.</summary>
/// <param name="ApiVersion">apiVersion, e.g. apps/v1.</param>
/// <param name="Kind">kind, e.g. Deployment.</param>
/// <param name="Name">metadata.name.</param>
/// <param name="Namespace">metadata.namespace, or null for cluster-scoped objects (or unset).</param>
/// <param name="Body">The whole object.</param>
public sealed record KubeObject(string ApiVersion, string Kind, string Name, string? Namespace, JsonObject Body)
{
    /// <summary>Objects of a multi-document YAML stream.</summary>
    public static IReadOnlyList<KubeObject> ParseAll(string yaml) => [.. Yaml.ParseAll(yaml).Select(From)];

    /// <summary>An object from its JSON form.</summary>
    public static KubeObject From(JsonNode node)
    {
        var body = node.AsObject();
        return new KubeObject(
            (string?)body["apiVersion"] ?? throw new InvalidOperationException("object without apiVersion"),
            (string?)body["kind"] ?? throw new InvalidOperationException("object without kind"),
            (string?)body["metadata"]?["name"] ?? throw new InvalidOperationException("object without metadata.name"),
            (string?)body["metadata"]?["namespace"],
            body);
    }

    /// <summary>The node at a dotted path (e.g. spec.template.spec), or null.</summary>
    public JsonNode? At(string path) => Json.At(Body, path);

    /// <inheritdoc />
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}

/// <summary>Helpers over <see cref="JsonNode"/>.</summary>
public static class Json
{
    /// <summary>The node at a dotted path; numeric segments index arrays.</summary>
    public static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var segment in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node switch
            {
                JsonArray array when int.TryParse(segment, out var index) => index < array.Count ? array[index] : null,
                JsonObject obj => obj[segment],
                _ => null,
            };
        }

        return node;
    }

    /// <summary>The strings of a JSON array (empty when absent).</summary>
    public static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(n => (string?)n ?? "")] : [];

    /// <summary>Structural equality of two JSON trees.</summary>
    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);
}
