using System.Text.RegularExpressions;

namespace AgentOperator.Contracts;

/// <summary>
/// Where things are inside the gateway sidecar: the operator mounts them there (DeploymentBuilder,
/// GatewayCredentials) and the gateway reads them there (its serve defaults, UpstreamCredentialFiles).
/// </summary>
public static partial class GatewayPodLayout
{
    /// <summary>The standard in-cluster credentials folder (token, ca.crt, namespace), so the client's in-cluster config works unchanged.</summary>
    public const string KubeApiAccessDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>Projected tokens for upstream audiences, at <c>{dir}/{audience folder}/token</c>.</summary>
    public const string TokensDirectory = "/var/run/agentoperator/tokens";

    /// <summary>Tool and model Secrets, at <c>{dir}/{secret}/{key}</c>.</summary>
    public const string SecretsDirectory = "/var/run/agentoperator/secrets";

    /// <summary>The projected ServiceAccount token for the audit collector's audience (<see cref="AuditCollectorApi.Audience"/>).</summary>
    public const string AuditTokenFile = "/var/run/agentoperator/audit-token/token";

    /// <summary>The audit log's folder (an emptyDir): the write-ahead buffer of records the collector has not acknowledged.</summary>
    public const string AuditDirectory = "/var/run/agentoperator/audit";

    /// <summary>The audit log file.</summary>
    public const string AuditFile = AuditDirectory + "/audit.jsonl";

    /// <summary>Env var of the agent container with the gateway's base URL.</summary>
    public const string AgentGatewayUrlEnv = "AGENT_GATEWAY_URL";

    /// <summary>Name of the agent container.</summary>
    public const string AgentContainer = "agent";

    /// <summary>
    /// The gateway image's ENTRYPOINT (the Dockerfile's gateway target, WORKDIR /app), which an exec hook must name
    /// itself: the kubelet runs a hook's command as given, without the image's entrypoint.
    /// </summary>
    public static readonly IReadOnlyList<string> GatewayEntrypoint = ["dotnet", "AgentOperator.Gateway.dll"];

    /// <summary>Name of the gateway container.</summary>
    public const string GatewayContainer = "gateway";

    /// <summary>Name of the agent's container port (the Services' targetPort).</summary>
    public const string AgentPortName = "http";

    /// <summary>Name of the gateway's metrics and health port.</summary>
    public const string MetricsPortName = "metrics";

    /// <summary>Path of the gateway's health endpoint on the metrics port.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>UID and GID both containers run as (the distroless "nonroot" user).</summary>
    public const long NonRootId = 65532;

    /// <summary>Folder (relative to <see cref="TokensDirectory"/>) of the token for <paramref name="audience"/>: anything but [A-Za-z0-9.-] becomes '-'.</summary>
    public static string TokenFolder(string audience) => UnsafeAudienceCharacters().Replace(audience, "-");

    [GeneratedRegex("[^A-Za-z0-9.-]")]
    private static partial Regex UnsafeAudienceCharacters();
}
