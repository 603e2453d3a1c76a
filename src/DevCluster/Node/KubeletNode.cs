using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Dns;
using AgentOperator.DevCluster.Simulation;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The DevCluster node: an <see cref="IPodRunner"/> that runs pods as a kubelet does, each container as an OS process
/// of the image's mapped command (<see cref="NodeImageMap"/>), with its environment, its volumes bind-mounted at their
/// mountPaths in a private mount namespace, each pod in its own network namespace (<see cref="NodeNetwork"/>), restarts
/// with back-off, probes and logs. It reports the pods' status itself. Without a <see cref="NodeNetwork"/> the pods share
/// the host's network and their podIP is 127.0.0.1.
/// </summary>
internal sealed class KubeletNode : IPodRunner, IAsyncDisposable
{
    private static readonly GroupResource ServiceAccounts = new("", "serviceaccounts");
    private readonly ConcurrentDictionary<string, (PodWorker Worker, Task Run)> _pods = new();
    private readonly ServiceAccountTokenIssuer _issuer;
    private readonly DevClusterOptions _cluster;
    private readonly bool _ownsDirectory;

    public KubeletNode(ResourceOperations ops, ServiceAccountTokenIssuer issuer, DevClusterOptions cluster, NodeOptions options, NodeNetwork? network)
    {
        Ops = ops;
        Network = network;
        _issuer = issuer;
        _cluster = cluster;
        Options = options;
        _ownsDirectory = options.Directory is null;
        Directory = options.Directory ?? System.IO.Directory.CreateTempSubdirectory("devcluster-node-").FullName;
        TrustBundle = ImageTrustBundle.Write(Directory, options.TrustedCertificateAuthorities);
        Kubelet = new EventRecorder(ops, "kubelet");
        Objects = new EnvironmentResolver((resource, ns, name) =>
            ops.Store.Get(new GroupResource("", resource), ns, name) is { } stored ? JsonNodeExtensions.ParseObject(stored.Json) : null);

        // Like the kubelet's HTTPS probes, which do not verify the serving certificate.
        Http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
    }

    public bool ReportsStatus => true;

    public NodeOptions Options { get; }

    /// <summary>The pods' network; null when they share the host's.</summary>
    public NodeNetwork? Network { get; }

    /// <summary>The cluster DNS ClusterFirst pods are pointed at; null when there is none (pods then get the host's nameservers).</summary>
    public ClusterDns? Dns { get; init; }

    /// <summary>The node's address as pods see it (status.hostIP): the bridge's, or loopback when pods share the host's network.</summary>
    public string HostIp => Network?.Gateway.ToString() ?? "127.0.0.1";

    public string Directory { get; }

    /// <summary>The trust bundle bound into every container; null when <see cref="NodeOptions.TrustedCertificateAuthorities"/> adds none.</summary>
    public BindMount? TrustBundle { get; }

    public ResourceOperations Ops { get; }

    public TimeProvider Time => Ops.Time;

    public EventRecorder Kubelet { get; }

    public EnvironmentResolver Objects { get; }

    public HttpClient Http { get; }

    public async Task<PodOutcome?> RunAsync(PodContext pod, CancellationToken ct)
    {
        var obj = JsonNode.Parse(pod.PodJson)!.AsObject();
        var worker = new PodWorker(this, obj);
        var key = ObjectKeys.Of(pod.Namespace, pod.Name);
        var run = worker.RunAsync(ct);
        _pods[key] = (worker, run);
        try
        {
            await run;

            // A pod that ran to completion stays on the node (its logs readable) until it is deleted.
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _pods.TryRemove(KeyValuePair.Create(key, (worker, run)));
        }

        return null;
    }

    /// <summary>The pod's worker while it runs on the node.</summary>
    public PodWorker? Pod(string ns, string name) => _pods.TryGetValue(ObjectKeys.Of(ns, name), out var pod) ? pod.Worker : null;

    /// <summary>The PID of a container's running process (what exec enters), or null when it runs none.</summary>
    public ContainerExecTarget? ExecTarget(string ns, string pod, string container) => Pod(ns, pod)?.Container(container)?.ExecTarget;

    /// <summary>A TokenRequest for the pod's ServiceAccount, bound to the pod, as the kubelet makes for projected tokens.</summary>
    public ServiceAccountToken RequestToken(JsonObject pod, string? audience, long expirationSeconds)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        var name = pod.Str("spec", "serviceAccountName") ?? "default";
        var account = Ops.Store.Get(ServiceAccounts, ns, name) ?? throw new ContainerConfigException($"failed to fetch token: serviceaccounts \"{name}\" not found");
        var boundPod = new JsonObject { ["kind"] = "Pod", ["apiVersion"] = "v1", ["name"] = pod.Str("metadata", "name"), ["uid"] = pod.Str("metadata", "uid") };
        var issued = Time.GetUtcNow();
        var token = _issuer.Issue(ns, name, account.Uid, [audience ?? _cluster.ApiAudience], expirationSeconds, boundPod, out var expires);
        return new ServiceAccountToken(token, issued, expires);
    }

    /// <summary>The <c>kubernetes</c> Service's variables every container gets, naming the API server's real address.</summary>
    public Dictionary<string, string> ServiceVariables()
    {
        var endpoints = Ops.Store.Get(new GroupResource("", "endpoints"), "default", "kubernetes") is { } e ? JsonNodeExtensions.ParseObject(e.Json) : null;
        var subset = (endpoints?["subsets"] as JsonArray)?.FirstOrDefault();
        var host = (subset?["addresses"] as JsonArray)?.FirstOrDefault()?.Str("ip");
        var port = (subset?["ports"] as JsonArray)?.FirstOrDefault()?.Long("port");
        if (host is null || port is null)
        {
            return [];
        }

        var p = port.Value.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KUBERNETES_SERVICE_HOST"] = host,
            ["KUBERNETES_SERVICE_PORT"] = p,
            ["KUBERNETES_SERVICE_PORT_HTTPS"] = p,
            ["KUBERNETES_PORT"] = $"tcp://{host}:{p}",
            ["KUBERNETES_PORT_443_TCP"] = $"tcp://{host}:{p}",
            ["KUBERNETES_PORT_443_TCP_PROTO"] = "tcp",
            ["KUBERNETES_PORT_443_TCP_PORT"] = p,
            ["KUBERNETES_PORT_443_TCP_ADDR"] = host,
        };
    }

    /// <summary>Waits for the pods' graceful stops (the server cancelled them), then removes the node's folder if it made it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Task.WhenAll(_pods.Values.Select(p => p.Run)).WaitAsync(TimeSpan.FromSeconds(40));
        }
        catch (TimeoutException)
        {
        }

        Http.Dispose();
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
