using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// Materialises a pod's volumes as files, as the kubelet would: Secrets and ConfigMaps (all keys, or the listed
/// items), downward-API fields, projected volumes (their sources merged, service-account tokens from the
/// TokenRequest API) and empty folders for emptyDir and anything else.
/// </summary>
internal sealed class PodVolumes(IKubernetes admin, PodManifest pod, PodFilesystem files, string clusterCaPem, TimeProvider time)
{
    /// <summary>The ConfigMap the API server publishes into every namespace with its CA; dev mode serves it from the cluster's CA when absent.</summary>
    public const string RootCaConfigMap = "kube-root-ca.crt";

    private readonly List<ProjectedServiceAccountToken> _tokens = [];

    /// <summary>The projected tokens written, to refresh while the pod runs.</summary>
    public IReadOnlyList<ProjectedServiceAccountToken> Tokens => _tokens;

    /// <summary>Writes every volume; throws (like a failed mount) when a non-optional Secret or ConfigMap is missing.</summary>
    public async Task MaterializeAsync(CancellationToken cancellationToken)
    {
        foreach (var volume in pod.Volumes)
        {
            var name = PodManifest.Text(volume, "name") ?? throw new FormatException("a volume has no name");
            var directory = files.VolumeDirectory(name);
            Directory.CreateDirectory(directory);
            if (volume["secret"] is JsonObject secret)
            {
                await WriteSecretAsync(secret, PodManifest.Text(secret, "secretName"), directory, cancellationToken);
            }
            else if (volume["configMap"] is JsonObject configMap)
            {
                await WriteConfigMapAsync(configMap, directory, cancellationToken);
            }
            else if (volume["downwardAPI"] is JsonObject downward)
            {
                await WriteDownwardApiAsync(downward, directory, cancellationToken);
            }
            else if (volume["projected"] is JsonObject projected)
            {
                foreach (var source in (projected["sources"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    await WriteProjectionAsync(source, directory, cancellationToken);
                }
            }
        }
    }

    private async Task WriteProjectionAsync(JsonObject source, string directory, CancellationToken cancellationToken)
    {
        if (source["serviceAccountToken"] is JsonObject token)
        {
            var path = Path.Combine(directory, PodManifest.Text(token, "path") ?? "token");
            var projected = new ProjectedServiceAccountToken(admin, pod, path, PodManifest.Text(token, "audience"), PodManifest.Number(token, "expirationSeconds") ?? 3600, time);
            await projected.WriteAsync(cancellationToken);
            _tokens.Add(projected);
        }
        else if (source["secret"] is JsonObject secret)
        {
            await WriteSecretAsync(secret, PodManifest.Text(secret, "name"), directory, cancellationToken);
        }
        else if (source["configMap"] is JsonObject configMap)
        {
            await WriteConfigMapAsync(configMap, directory, cancellationToken);
        }
        else if (source["downwardAPI"] is JsonObject downward)
        {
            await WriteDownwardApiAsync(downward, directory, cancellationToken);
        }
    }

    private async Task WriteSecretAsync(JsonObject reference, string? secretName, string directory, CancellationToken cancellationToken)
    {
        var name = secretName ?? throw new FormatException("a secret volume names no Secret");
        var optional = reference["optional"]?.GetValue<bool>() ?? false;
        k8s.Models.V1Secret? secret;
        try
        {
            secret = await admin.CoreV1.ReadNamespacedSecretAsync(name, pod.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            if (optional)
            {
                return;
            }

            throw new InvalidOperationException($"MountVolume.SetUp failed: secret \"{name}\" not found");
        }

        await WriteKeysAsync(reference, secret.Data ?? new Dictionary<string, byte[]>(), $"secret \"{name}\"", optional, directory, cancellationToken);
    }

    private async Task WriteConfigMapAsync(JsonObject reference, string directory, CancellationToken cancellationToken)
    {
        var name = PodManifest.Text(reference, "name") ?? throw new FormatException("a configMap volume names no ConfigMap");
        var optional = reference["optional"]?.GetValue<bool>() ?? false;
        Dictionary<string, byte[]> data;
        try
        {
            var configMap = await admin.CoreV1.ReadNamespacedConfigMapAsync(name, pod.Namespace, cancellationToken: cancellationToken);
            data = (configMap.Data ?? new Dictionary<string, string>()).ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value), StringComparer.Ordinal);
            foreach (var (key, value) in configMap.BinaryData ?? new Dictionary<string, byte[]>())
            {
                data[key] = value;
            }
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            if (name == RootCaConfigMap)
            {
                data = new(StringComparer.Ordinal) { ["ca.crt"] = Encoding.ASCII.GetBytes(clusterCaPem) };
            }
            else if (optional)
            {
                return;
            }
            else
            {
                throw new InvalidOperationException($"MountVolume.SetUp failed: configmap \"{name}\" not found");
            }
        }

        await WriteKeysAsync(reference, data, $"configmap \"{name}\"", optional, directory, cancellationToken);
    }

    private static async Task WriteKeysAsync(JsonObject reference, IDictionary<string, byte[]> data, string source, bool optional, string directory, CancellationToken cancellationToken)
    {
        if (reference["items"] is JsonArray items && items.Count > 0)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                var key = PodManifest.Text(item, "key") ?? "";
                if (!data.TryGetValue(key, out var value))
                {
                    if (optional)
                    {
                        continue;
                    }

                    throw new InvalidOperationException($"MountVolume.SetUp failed: {source} has no key \"{key}\"");
                }

                await SecureFiles.WriteAsync(Path.Combine(directory, PodManifest.Text(item, "path") ?? key), value, cancellationToken);
            }

            return;
        }

        foreach (var (key, value) in data)
        {
            await SecureFiles.WriteAsync(Path.Combine(directory, key), value, cancellationToken);
        }
    }

    private async Task WriteDownwardApiAsync(JsonObject downward, string directory, CancellationToken cancellationToken)
    {
        foreach (var item in (downward["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var fieldPath = PodManifest.Text(item, "fieldRef", "fieldPath");
            var value = fieldPath is null ? null : pod.FieldValue(fieldPath);
            if (PodManifest.Text(item, "path") is { } path && value is not null)
            {
                await SecureFiles.WriteAsync(Path.Combine(directory, path), Encoding.UTF8.GetBytes(value), cancellationToken);
            }
        }
    }
}
