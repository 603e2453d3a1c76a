using AgentOperator.DevCluster.Simulation;

namespace AgentOperator.DevCluster;

/// <summary>How a <see cref="DevClusterServer"/> starts. Every default is written on its property.</summary>
public sealed record DevClusterOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 (default) lets the OS pick a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Serve HTTPS with a self-signed certificate (default true). kubectl only sends bearer tokens over TLS;
    /// plain HTTP is for in-process clients (KubernetesClient sends tokens over http) and benchmarks.
    /// </summary>
    public bool UseTls { get; init; } = true;

    /// <summary>Require a bearer token on every request (default true); unauthenticated requests get 401.</summary>
    public bool RequireAuthentication { get; init; } = true;

    /// <summary>The admin (system:masters) token written into kubeconfigs; random when null (default).</summary>
    public string? AdminToken { get; init; }

    /// <summary>
    /// Bearer tokens of human users, like kube-apiserver's <c>--token-auth-file</c> (default none). Each authenticates its
    /// user, uid and groups (plus system:authenticated); the CLI reads them with <c>--token-auth-file FILE</c>.
    /// </summary>
    public IReadOnlyList<Auth.StaticToken> StaticTokens { get; init; } = [];

    /// <summary>How many recent changes watches can resume from (default 10,000); older resourceVersions get 410 Gone.</summary>
    public int WatchHistorySize { get; init; } = 10_000;

    /// <summary>How often an idle watch that asked for bookmarks gets one (default 1 s; kube-apiserver uses ~1 min).</summary>
    public TimeSpan WatchBookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Delay between a pod being created and becoming Running/Ready (default 200 ms).</summary>
    public TimeSpan PodStartDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs the workload simulation (Deployments → ReplicaSets → pods, Jobs) (default true).</summary>
    public bool SimulateWorkloads { get; init; } = true;

    /// <summary>
    /// Publishes the <c>kube-root-ca.crt</c> ConfigMap (the server's CA as <c>ca.crt</c>) into every namespace, as
    /// kube-controller-manager's root-ca-cert-publisher does (default true, as on every real cluster).
    /// </summary>
    public bool PublishRootCaConfigMap { get; init; } = true;

    /// <summary>Decides what a pod does; null (default) uses <see cref="ReadyPodRunner"/>, which marks every pod Running and Ready.</summary>
    public IPodRunner? PodRunner { get; init; }

    /// <summary>
    /// Runs pods as a kubelet does, each container an OS process (see <see cref="Node.NodeOptions"/>); null (default) keeps
    /// <see cref="PodRunner"/>. When set, it takes the place of <see cref="PodRunner"/>.
    /// </summary>
    public Node.NodeOptions? Node { get; init; }

    /// <summary>The issuer (iss claim) of service-account tokens (default <c>https://kubernetes.default.svc.cluster.local</c>).</summary>
    public string ServiceAccountIssuer { get; init; } = "https://kubernetes.default.svc.cluster.local";

    /// <summary>The API server's own audience: TokenRequests without audiences get it, and it is accepted for API calls.</summary>
    public string ApiAudience { get; init; } = "https://kubernetes.default.svc.cluster.local";

    /// <summary>The clock for timestamps, delays and token expiry (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
