namespace AgentOperator.DevMode.Pods;

/// <summary>What <see cref="InProcessPodRunner"/> runs in-process. Every default is written on its property.</summary>
internal sealed record InProcessPodRunnerOptions
{
    /// <summary>Repository of the gateway sidecar image (any tag). Default <c>ghcr.io/agentoperator/gateway</c>, as <c>ProvisioningOptions.GatewayImage</c>.</summary>
    public string GatewayRepository { get; init; } = "ghcr.io/agentoperator/gateway";

    /// <summary>Repository of the simulated agent image (any tag). Default <c>ghcr.io/agentoperator/sample-agent</c>.</summary>
    public string SampleAgentRepository { get; init; } = "ghcr.io/agentoperator/sample-agent";

    /// <summary>Folder under which each pod gets its own folder for volumes and container files (deleted when the pod ends). Default: a folder in the system temp folder.</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "agentoperator-dev", "pods");

    /// <summary>Builds the handler of the gateways' upstream tool and model calls; null (default) calls the real upstreams.</summary>
    public Func<HttpMessageHandler>? UpstreamHandlerFactory { get; init; }

    /// <summary>How long a gateway keeps retrying to start (its bundle ConfigMap may not exist yet) before the pod fails. Default 15 s.</summary>
    public TimeSpan GatewayStartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The clock for token refreshes and the agents' pacing. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
