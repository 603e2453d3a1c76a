using System.Text.Json.Nodes;

namespace AgentOperator.DevMode.Pods;

/// <summary>The parts of a pod object the in-process runner reads.</summary>
internal sealed record PodManifest(string Namespace, string Name, string Uid, string ServiceAccountName, string RestartPolicy, JsonObject Pod)
{
    /// <summary>Parses the pod JSON a <c>PodContext</c> carries.</summary>
    public static PodManifest Parse(string json)
    {
        var pod = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("the pod is not a JSON object");
        return new(
            Text(pod, "metadata", "namespace") ?? "default",
            Text(pod, "metadata", "name") ?? throw new FormatException("the pod has no name"),
            Text(pod, "metadata", "uid") ?? "",
            Text(pod, "spec", "serviceAccountName") ?? "default",
            Text(pod, "spec", "restartPolicy") ?? "Always",
            pod);
    }

    /// <summary>The pod's regular containers.</summary>
    public IReadOnlyList<JsonObject> Containers => [.. (Pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()];

    /// <summary>
    /// The pod's native sidecars: init containers with restartPolicy Always, started before the regular containers
    /// and stopped after them (ordinary init containers are not run).
    /// </summary>
    public IReadOnlyList<JsonObject> Sidecars =>
        [.. (Pod["spec"]?["initContainers"] as JsonArray ?? []).OfType<JsonObject>().Where(c => Text(c, "restartPolicy") == "Always")];

    /// <summary>The pod's volumes.</summary>
    public IReadOnlyList<JsonObject> Volumes => [.. (Pod["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>()];

    /// <summary>True for run-to-completion (Job) pods.</summary>
    public bool RunsToCompletion => RestartPolicy is not "Always";

    /// <summary>A label of the pod, or null.</summary>
    public string? Label(string name) => Pod["metadata"]?["labels"]?[name]?.GetValue<string>();

    /// <summary>The value of a downward-API field path, as the kubelet resolves it; null for paths it does not know.</summary>
    public string? FieldValue(string fieldPath)
    {
        switch (fieldPath)
        {
            case "metadata.name": return Name;
            case "metadata.namespace": return Namespace;
            case "metadata.uid": return Uid;
            case "spec.serviceAccountName": return ServiceAccountName;
            case "spec.nodeName": return Text(Pod, "spec", "nodeName");
            case "status.podIP": return Text(Pod, "status", "podIP");
            case "status.hostIP": return Text(Pod, "status", "hostIP");
        }

        foreach (var map in (string[])["labels", "annotations"])
        {
            var prefix = $"metadata.{map}['";
            if (fieldPath.StartsWith(prefix, StringComparison.Ordinal) && fieldPath.EndsWith("']", StringComparison.Ordinal))
            {
                return Pod["metadata"]?[map]?[fieldPath[prefix.Length..^2]]?.GetValue<string>() ?? "";
            }
        }

        return null;
    }

    /// <summary>A string at a path of <paramref name="node"/>, or null.</summary>
    public static string? Text(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            node = node?[segment];
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
    }

    /// <summary>An integer at a path of <paramref name="node"/>, or null.</summary>
    public static long? Number(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            node = node?[segment];
        }

        return node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;
    }
}
