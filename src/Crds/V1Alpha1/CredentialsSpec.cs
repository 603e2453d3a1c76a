using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>The short-lived projected service-account token of a revision's gateway.</summary>
[CelRule("self.tokenTtlSeconds >= 600", Message = "credentials.tokenTtlSeconds must be at least 600 seconds (the kubelet refuses shorter projected tokens)", FieldPath = ".tokenTtlSeconds")]
public sealed record CredentialsSpec
{
    /// <summary>Lifetime of the projected token in seconds; the kubelet rotates it at 80 % of its life. At least 600.</summary>
    [Default(3600), Maximum(86_400)]
    public int TokenTtlSeconds { get; init; } = 3600;

    /// <summary>Audiences of the projected token; upstreams validate it for their own audience.</summary>
    [Items(Min = 1, Max = 8)]
    public IReadOnlyList<string> Audiences { get; init; } = ["agentoperator.io/gateway"];
}
