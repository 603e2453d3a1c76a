using AgentOperator.Contracts;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// The credentials only the gateway sidecar mounts: the API token (with the kube-root-ca.crt bundle and
/// the namespace, like the volume Kubernetes would auto-mount), one projected token per audience, and the
/// Secrets tools and models authenticate with. The agent container mounts none of these volumes.
/// </summary>
public static class GatewayCredentials
{
    /// <summary>Volume of the API token, CA bundle and namespace.</summary>
    public const string KubeApiAccessVolume = "gateway-kube-api-access";

    /// <summary>Volume of the audience-bound tokens.</summary>
    public const string TokensVolume = "gateway-tokens";

    /// <summary>Prefix of the volume of each Secret.</summary>
    public const string SecretVolumePrefix = "secret";

    /// <summary>The kubelet refuses projected tokens shorter than this.</summary>
    public const int MinTokenSeconds = 600;

    // 0440: readable by the owner (root) and the pod's fsGroup (the gateway's group), not world-readable.
    private const int SecretFileMode = 288;

    /// <summary>Lifetime of the revision's API and audience tokens.</summary>
    public static int TokenSeconds(RevisionInputs inputs) =>
        Math.Max(MinTokenSeconds, inputs.Workflow.Spec.Credentials?.TokenTtlSeconds ?? 3600);

    /// <summary>The Secrets (and only the referenced keys) of the bound tools' secretRef auth and of the models' credentials, ordered by name.</summary>
    public static IReadOnlyList<SecretMount> Secrets(RevisionInputs inputs)
    {
        var keysBySecret = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        void Add(string secret, string key)
        {
            if (!keysBySecret.TryGetValue(secret, out var keys))
            {
                keysBySecret[secret] = keys = new SortedSet<string>(StringComparer.Ordinal);
            }

            keys.Add(key);
        }

        foreach (var (_, tool) in inputs.BoundTools())
        {
            if (tool.Spec.Auth?.SecretRef is { } secretRef)
            {
                Add(secretRef.Name, secretRef.Key);
            }
        }

        foreach (var model in inputs.Workflow.Spec.Models?.Values ?? [])
        {
            if (model.CredentialsSecretRef is { } credentials)
            {
                Add(credentials.Name, credentials.Key);
            }
        }

        return [.. keysBySecret.Select(pair => new SecretMount(pair.Key, [.. pair.Value]))];
    }

    /// <summary>
    /// One token per audience: spec.credentials.audiences (with the revision's TTL) and the bound tools'
    /// boundToken audiences (with their own TTL). An audience listed twice gets the shorter lifetime.
    /// </summary>
    public static IReadOnlyList<AudienceToken> AudienceTokens(RevisionInputs inputs)
    {
        var seconds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Add(string audience, int ttl)
        {
            ttl = Math.Max(MinTokenSeconds, ttl);
            seconds[audience] = seconds.TryGetValue(audience, out var existing) ? Math.Min(existing, ttl) : ttl;
        }

        var credentials = inputs.Workflow.Spec.Credentials ?? new();
        foreach (var audience in credentials.Audiences)
        {
            Add(audience, TokenSeconds(inputs));
        }

        foreach (var (_, tool) in inputs.BoundTools())
        {
            if (tool.Spec.Auth?.BoundToken is { } bound)
            {
                Add(bound.Audience, bound.ExpirationSeconds);
            }
        }

        // Two audiences can share a folder after sanitizing ("a/b" and "a-b"); the gateway could not tell them apart.
        var clash = seconds.Keys.GroupBy(GatewayPodLayout.TokenFolder, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new ArgumentException($"token audiences {string.Join(", ", clash)} map to the same file {GatewayPodLayout.TokensDirectory}/{clash.Key}/token", nameof(inputs));
        }

        return [.. seconds.Select(pair => new AudienceToken(pair.Key, pair.Value))];
    }

    /// <summary>The gateway-only volumes.</summary>
    public static IEnumerable<V1Volume> Volumes(RevisionInputs inputs)
    {
        yield return new()
        {
            Name = KubeApiAccessVolume,
            Projected = new()
            {
                Sources =
                [
                    // No audience: the API server's own, so the gateway can read its bundle and approvals.
                    new() { ServiceAccountToken = new() { Path = "token", ExpirationSeconds = TokenSeconds(inputs) } },
                    new() { ConfigMap = new() { Name = "kube-root-ca.crt", Items = [new() { Key = "ca.crt", Path = "ca.crt" }] } },
                    new()
                    {
                        DownwardAPI = new()
                        {
                            Items = [new() { Path = "namespace", FieldRef = new() { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                        },
                    },
                ],
            },
        };

        var tokens = AudienceTokens(inputs);
        if (tokens.Count > 0)
        {
            yield return new()
            {
                Name = TokensVolume,
                Projected = new()
                {
                    Sources = [.. tokens.Select(t => new V1VolumeProjection
                    {
                        ServiceAccountToken = new() { Audience = t.Audience, ExpirationSeconds = t.ExpirationSeconds, Path = t.Path },
                    })],
                },
            };
        }

        foreach (var secret in Secrets(inputs))
        {
            yield return new()
            {
                Name = secret.VolumeName,
                Secret = new()
                {
                    SecretName = secret.SecretName,
                    Items = [.. secret.Keys.Select(k => new V1KeyToPath { Key = k, Path = k })],
                    DefaultMode = SecretFileMode,
                },
            };
        }
    }

    /// <summary>The gateway's mounts of <see cref="Volumes"/>, all read-only.</summary>
    public static IEnumerable<V1VolumeMount> Mounts(RevisionInputs inputs)
    {
        yield return new() { Name = KubeApiAccessVolume, MountPath = GatewayPodLayout.KubeApiAccessDirectory, ReadOnlyProperty = true };
        if (AudienceTokens(inputs).Count > 0)
        {
            yield return new() { Name = TokensVolume, MountPath = GatewayPodLayout.TokensDirectory, ReadOnlyProperty = true };
        }

        foreach (var secret in Secrets(inputs))
        {
            yield return new() { Name = secret.VolumeName, MountPath = secret.MountPath, ReadOnlyProperty = true };
        }
    }
}
