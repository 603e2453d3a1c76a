using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A container's environment as the kubelet builds it: <c>envFrom</c> sources in order (prefix, optional), then
/// <c>env</c> in order, each value expanded against the variables defined before it; <c>valueFrom</c> reads fieldRef,
/// secretKeyRef and configMapKeyRef (optional honoured). A missing required source is a <see cref="ContainerConfigException"/>.
/// </summary>
internal sealed class EnvironmentResolver(Func<string, string, string, JsonObject?> getObject)
{
    public Dictionary<string, string> Resolve(JsonObject pod, JsonNode container, IReadOnlyDictionary<string, string> serviceVariables)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        // The kubernetes Service's variables come first; envFrom and env may override them.
        var env = new Dictionary<string, string>(serviceVariables, StringComparer.Ordinal);
        foreach (var source in container["envFrom"] as JsonArray ?? [])
        {
            var prefix = source?.Str("prefix") ?? "";
            var (resource, reference) = source?["configMapRef"] is JsonObject c ? ("configmaps", c) : ("secrets", source?["secretRef"] as JsonObject ?? []);
            var data = Data(ns, resource, reference.Str("name") ?? "", reference.Bool("optional") == true);
            foreach (var (key, value) in data ?? [])
            {
                env[prefix + key] = value;
            }
        }

        // Expansion sees the service variables and what is defined so far, as the kubelet's mapping function does.
        var visible = new Dictionary<string, string>(env, StringComparer.Ordinal);

        foreach (var variable in container["env"] as JsonArray ?? [])
        {
            var name = variable?.Str("name") ?? "";
            string? value = variable?["valueFrom"] is JsonObject from ? ValueFrom(pod, ns, name, from) : VariableExpansion.Expand(variable?.Str("value") ?? "", visible);
            if (value is null)
            {
                continue;
            }

            env[name] = value;
            visible[name] = value;
        }

        return env;
    }

    private string? ValueFrom(JsonObject pod, string ns, string name, JsonObject from)
    {
        if (from["fieldRef"] is JsonObject field)
        {
            return FieldRef(pod, field.Str("fieldPath") ?? "") ?? throw new ContainerConfigException($"unsupported fieldPath {field.Str("fieldPath")} of env {name}");
        }

        var (resource, kind, reference) = from["secretKeyRef"] is JsonObject s ? ("secrets", "Secret", s)
            : from["configMapKeyRef"] is JsonObject c ? ("configmaps", "ConfigMap", c)
            : throw new ContainerConfigException($"unsupported valueFrom of env {name} (resourceFieldRef is not held by the node yet)");
        var optional = reference.Bool("optional") == true;
        var objectName = reference.Str("name") ?? "";
        var key = reference.Str("key") ?? "";
        var data = Data(ns, resource, objectName, optional);
        if (data is null)
        {
            return null;
        }

        if (data.TryGetValue(key, out var value))
        {
            return value;
        }

        return optional ? null : throw new ContainerConfigException($"couldn't find key {key} in {kind} {ns}/{objectName}");
    }

    /// <summary>The object as stored, or null (<paramref name="ns"/> empty for cluster-scoped kinds).</summary>
    public JsonObject? Get(string resource, string ns, string name) => getObject(resource, ns, name);

    /// <summary>The object's data as text (Secrets decoded), or null when it is missing and optional.</summary>
    public Dictionary<string, string>? Data(string ns, string resource, string name, bool optional)
    {
        var obj = getObject(resource, ns, name);
        if (obj is null)
        {
            return optional ? null : throw new ContainerConfigException($"{(resource == "secrets" ? "secret" : "configmap")} \"{name}\" not found");
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj["data"] as JsonObject ?? [])
        {
            data[key] = resource == "secrets" ? Encoding.UTF8.GetString(Convert.FromBase64String(value?.ToString() ?? "")) : value?.ToString() ?? "";
        }

        return data;
    }

    // The downward API's fields, as the kubelet's podFieldSelectorRuntimeValue resolves them.
    public static string? FieldRef(JsonObject pod, string path)
    {
        if (path.StartsWith("metadata.labels['", StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal))
        {
            return pod.Str("metadata", "labels", path["metadata.labels['".Length..^2]) ?? "";
        }

        if (path.StartsWith("metadata.annotations['", StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal))
        {
            return pod.Str("metadata", "annotations", path["metadata.annotations['".Length..^2]) ?? "";
        }

        return path switch
        {
            "metadata.name" => pod.Str("metadata", "name"),
            "metadata.namespace" => pod.Str("metadata", "namespace"),
            "metadata.uid" => pod.Str("metadata", "uid"),
            "metadata.labels" => Lines(pod.At("metadata", "labels")),
            "metadata.annotations" => Lines(pod.At("metadata", "annotations")),
            "spec.nodeName" => pod.Str("spec", "nodeName"),
            "spec.serviceAccountName" => pod.Str("spec", "serviceAccountName") ?? "default",
            "status.hostIP" => pod.Str("status", "hostIP") ?? "",
            "status.podIP" => pod.Str("status", "podIP") ?? "",
            "status.hostIPs" => Ips(pod.At("status", "hostIPs")),
            "status.podIPs" => Ips(pod.At("status", "podIPs")),
            _ => null,
        };
    }

    private static string Ips(JsonNode? ips) => string.Join(',', (ips as JsonArray ?? []).Select(ip => ip.Str("ip")).OfType<string>());

    // metadata.labels as a downward-API file holds it: key="value" lines, sorted.
    private static string Lines(JsonNode? map) => map is JsonObject o
        ? string.Join('\n', o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=\"{kv.Value}\""))
        : "";
}
