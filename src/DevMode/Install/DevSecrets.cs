using System.Net;
using System.Text;

using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevMode.Install;

/// <summary>
/// The Secrets the examples reference but never commit (model API keys, tool tokens): dev mode creates each one
/// that is missing, with a placeholder value and a label saying so, so that pods can mount them. Upstream calls
/// go to the local fakes, which accept any credential.
/// </summary>
internal static class DevSecrets
{
    /// <summary>Label on every placeholder Secret.</summary>
    public const string DevOnlyLabel = "agentoperator.io/dev-only";

    /// <summary>The value of every key: not a credential.</summary>
    public const string PlaceholderValue = "dev-only-placeholder-not-a-credential";

    /// <summary>(namespace, secret, key) for each secretRef of the AgentTools and each credentialsSecretRef of the AgentWorkflows.</summary>
    public static IReadOnlyList<(string Namespace, string Name, string Key)> Referenced(IEnumerable<Manifest> manifests)
    {
        var references = new List<(string, string, string)>();
        foreach (var manifest in manifests)
        {
            var @namespace = manifest.Namespace ?? "default";
            if (manifest.Kind == "AgentTool" && manifest.Object["spec"]?["auth"]?["secretRef"] is { } secretRef)
            {
                references.Add((@namespace, Json.Text(secretRef, "name")!, Json.Text(secretRef, "key")!));
            }

            if (manifest.Kind == "AgentWorkflow" && manifest.Object["spec"]?["models"] is System.Text.Json.Nodes.JsonObject models)
            {
                foreach (var (_, model) in models)
                {
                    if (model?["credentialsSecretRef"] is { } credentials)
                    {
                        references.Add((@namespace, Json.Text(credentials, "name")!, Json.Text(credentials, "key")!));
                    }
                }
            }
        }

        return [.. references.Distinct()];
    }

    /// <summary>Creates the missing Secrets of <paramref name="references"/>; returns the namespace/name of each one created.</summary>
    public static async Task<IReadOnlyList<string>> CreateMissingAsync(IKubernetes client, IEnumerable<(string Namespace, string Name, string Key)> references, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        foreach (var secret in references.GroupBy(r => (r.Namespace, r.Name)))
        {
            try
            {
                await client.CoreV1.ReadNamespacedSecretAsync(secret.Key.Name, secret.Key.Namespace, cancellationToken: cancellationToken);
                continue;
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
            {
            }

            await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new()
                {
                    Name = secret.Key.Name,
                    Labels = new Dictionary<string, string> { [DevOnlyLabel] = "true" },
                    Annotations = new Dictionary<string, string> { ["agentoperator.io/dev-note"] = "Created by dev mode: a placeholder, not a credential. Upstream calls go to local fakes." },
                },
                Type = "Opaque",
                Data = secret.Select(r => r.Key).Distinct().ToDictionary(k => k, _ => Encoding.UTF8.GetBytes(PlaceholderValue)),
            }, secret.Key.Namespace, fieldManager: ManifestApplier.FieldManager, cancellationToken: cancellationToken);
            created.Add($"{secret.Key.Namespace}/{secret.Key.Name}");
        }

        return created;
    }
}
