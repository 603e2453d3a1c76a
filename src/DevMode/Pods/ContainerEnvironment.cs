using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// A container's environment as the kubelet builds it: <c>envFrom</c> first, then <c>env</c> in order, with
/// <c>value</c> (and <c>$(VAR)</c> references to earlier variables), <c>fieldRef</c>, <c>secretKeyRef</c> and
/// <c>configMapKeyRef</c>. A missing non-optional Secret or ConfigMap fails the container.
/// </summary>
internal static partial class ContainerEnvironment
{
    public static async Task<Dictionary<string, string?>> ResolveAsync(IKubernetes admin, PodManifest pod, JsonObject container, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var source in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var prefix = PodManifest.Text(source, "prefix") ?? "";
            var values = source["secretRef"] is JsonObject secretRef
                ? await SecretAsync(admin, pod.Namespace, PodManifest.Text(secretRef, "name") ?? "", secretRef["optional"]?.GetValue<bool>() ?? false, cancellationToken)
                : source["configMapRef"] is JsonObject configMapRef
                    ? await ConfigMapAsync(admin, pod.Namespace, PodManifest.Text(configMapRef, "name") ?? "", configMapRef["optional"]?.GetValue<bool>() ?? false, cancellationToken)
                    : [];
            foreach (var (key, value) in values)
            {
                environment[prefix + key] = value;
            }
        }

        foreach (var variable in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = PodManifest.Text(variable, "name") ?? "";
            if (variable["valueFrom"] is not JsonObject from)
            {
                environment[name] = Expand(PodManifest.Text(variable, "value") ?? "", environment);
            }
            else if (PodManifest.Text(from, "fieldRef", "fieldPath") is { } fieldPath)
            {
                environment[name] = pod.FieldValue(fieldPath) ?? throw new InvalidOperationException($"env {name}: unsupported fieldPath {fieldPath}");
            }
            else if (from["secretKeyRef"] is JsonObject secretKey)
            {
                var optional = secretKey["optional"]?.GetValue<bool>() ?? false;
                var values = await SecretAsync(admin, pod.Namespace, PodManifest.Text(secretKey, "name") ?? "", optional, cancellationToken);
                SetKey(environment, name, values, PodManifest.Text(secretKey, "key") ?? "", optional);
            }
            else if (from["configMapKeyRef"] is JsonObject configMapKey)
            {
                var optional = configMapKey["optional"]?.GetValue<bool>() ?? false;
                var values = await ConfigMapAsync(admin, pod.Namespace, PodManifest.Text(configMapKey, "name") ?? "", optional, cancellationToken);
                SetKey(environment, name, values, PodManifest.Text(configMapKey, "key") ?? "", optional);
            }
        }

        return environment;
    }

    private static void SetKey(Dictionary<string, string?> environment, string name, Dictionary<string, string> values, string key, bool optional)
    {
        if (values.TryGetValue(key, out var value))
        {
            environment[name] = value;
        }
        else if (!optional)
        {
            throw new InvalidOperationException($"env {name}: couldn't find key {key}");
        }
    }

    private static string Expand(string value, Dictionary<string, string?> environment) =>
        Reference().Replace(value, match => match.Value.StartsWith("$$", StringComparison.Ordinal)
            ? match.Value[1..]
            : environment.TryGetValue(match.Groups[2].Value, out var resolved) ? resolved ?? "" : match.Value);

    private static async Task<Dictionary<string, string>> SecretAsync(IKubernetes admin, string @namespace, string name, bool optional, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await admin.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken);
            return (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value), StringComparer.Ordinal);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return optional ? [] : throw new InvalidOperationException($"secret \"{name}\" not found");
        }
    }

    private static async Task<Dictionary<string, string>> ConfigMapAsync(IKubernetes admin, string @namespace, string name, bool optional, CancellationToken cancellationToken)
    {
        try
        {
            var configMap = await admin.CoreV1.ReadNamespacedConfigMapAsync(name, @namespace, cancellationToken: cancellationToken);
            return new Dictionary<string, string>(configMap.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return optional ? [] : throw new InvalidOperationException($"configmap \"{name}\" not found");
        }
    }

    [GeneratedRegex(@"\$\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex Reference();
}
