namespace AgentOperator.Contracts;

/// <summary>
/// Environment variables of the gateway container: the operator sets them (DeploymentBuilder), the gateway's
/// <c>serve</c> and dev mode's pod runner read them.
/// </summary>
public static class GatewayEnvironment
{
    /// <summary>Name of the AgentWorkflow the pod belongs to.</summary>
    public const string Workflow = "AGENTOPERATOR_WORKFLOW";

    /// <summary>The workflow revision (bundle revision) the pod runs.</summary>
    public const string Revision = "AGENTOPERATOR_REVISION";

    /// <summary>The pod's namespace (a fieldRef to metadata.namespace): where the gateway creates AgentApprovals.</summary>
    public const string Namespace = "AGENTOPERATOR_NAMESPACE";

    /// <summary>The pod's name (a fieldRef to metadata.name).</summary>
    public const string PodName = "AGENTOPERATOR_POD_NAME";

    /// <summary>Root of the mounted tool and model Secrets; <c>--secrets</c> wins over it.</summary>
    public const string SecretsDirectory = "AGENTOPERATOR_SECRETS_DIR";

    /// <summary>Root of the projected audience tokens; <c>--tokens</c> wins over it.</summary>
    public const string TokensDirectory = "AGENTOPERATOR_TOKENS_DIR";

    /// <summary>The OpenTelemetry standard variable for the OTLP endpoint; <c>--otlp</c> wins over it.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The runtime's switch for the diagnostics IPC socket; the operator sets it to 0.</summary>
    public const string DotnetEnableDiagnostics = "DOTNET_EnableDiagnostics";

    /// <summary>The in-cluster API server host, set by the kubelet (the standard in-cluster configuration).</summary>
    public const string KubernetesServiceHost = "KUBERNETES_SERVICE_HOST";

    /// <summary>The in-cluster API server port, set by the kubelet.</summary>
    public const string KubernetesServicePort = "KUBERNETES_SERVICE_PORT";
}
