namespace AgentOperator.DevCluster.Node;

/// <summary>How the DevCluster node runs pods as processes. Every default is written on its property.</summary>
public sealed record NodeOptions
{
    /// <summary>Why this machine cannot give pods their own network namespaces (not root, no iproute2), or null when it can.</summary>
    public static string? PodNetworksUnavailable() => NodeNetwork.Unavailable();

    /// <summary>Which local command each image runs (default: none, so every container runs without a process).</summary>
    public NodeImageMap Images { get; init; } = new([]);

    /// <summary>Where pod volumes and container logs are kept; a new temporary folder when null (default), deleted on dispose.</summary>
    public string? Directory { get; init; }

    /// <summary>The first crash-loop back-off (default 10 s, as the kubelet); it doubles per restart up to <see cref="MaxBackOff"/>.</summary>
    public TimeSpan InitialBackOff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest crash-loop back-off (default 5 min, as the kubelet).</summary>
    public TimeSpan MaxBackOff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often volumes are re-synced (ConfigMap and Secret changes, token rotation) and a failed mount retried (default 1 s; the kubelet's sync is ~1 min).</summary>
    public TimeSpan VolumeSyncPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gives each pod its own network namespace, address and Service routing (default true). The node needs root and
    /// iproute2 for it (iptables for Service ClusterIPs); without them it says so at start and pods share the host's network.
    /// </summary>
    public bool PodNetworks { get; init; } = true;

    /// <summary>How long a pod whose sandbox could not be created waits before the next try (default 1 s).</summary>
    public TimeSpan SandboxRetryPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// PEM certificate authorities every container trusts besides the node's own bundle (default none), bound over
    /// <c>/etc/ssl/certs/ca-certificates.crt</c> in each container (<see cref="ImageTrustBundle"/>).
    /// </summary>
    public string? TrustedCertificateAuthorities { get; init; }

    /// <summary>The least time between two FailedMount Events of one pod (default 2 min: the kubelet's back-off for a failing mount reaches it).</summary>
    public TimeSpan FailedMountEventInterval { get; init; } = TimeSpan.FromMinutes(2);
}
