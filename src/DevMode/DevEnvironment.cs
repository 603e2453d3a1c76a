using System.Diagnostics;
using System.Net;
using AgentOperator.DevCluster;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.LiveView;
using AgentOperator.DevMode.Upstreams;
using AgentOperator.SampleAgent;
using k8s;

namespace AgentOperator.DevMode;

/// <summary>
/// Everything dev mode (and the end-to-end tests) run besides what is installed into the cluster: the project's images
/// published as the Dockerfile does, DevCluster with its node running every pod as real processes, the fakes that stand
/// in for the internet and the tools' services (<see cref="UpstreamStandIns"/>), and a Prometheus scraping the gateways
/// (<see cref="DevModeAnalysis"/>). Disposing stops what listens on the node's address, then the cluster and its pods.
/// </summary>
internal sealed class DevEnvironment : IAsyncDisposable
{
    /// <summary>The fake model's HTTPS port on the node's address: every provider host the workflows name resolves there.</summary>
    public const int ModelHttpsPort = 443;

    /// <summary>
    /// The name pods reach this machine by (the node's address), as <c>host.minikube.internal</c> on minikube: a webhook
    /// receiver or any other local server a workflow or the operator should call, listening on that address.
    /// </summary>
    public const string HostAlias = "host.devcluster.internal";

    private static readonly TimeSpan StandInInterval = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _stopping = new();
    private readonly DevCertificateAuthority _authority;
    private Task _standIns = Task.CompletedTask;

    private DevEnvironment(DevCertificateAuthority authority) => _authority = authority;

    public DevClusterServer Cluster { get; private set; } = null!;

    /// <summary>The node's address: where the fakes and Prometheus listen, reachable from every pod.</summary>
    public IPAddress NodeAddress { get; private set; } = IPAddress.None;

    public FakeModelServer Model { get; private set; } = null!;

    public FakeToolServer Tools { get; private set; } = null!;

    /// <summary>The gateways' Prometheus; null when it is not installed or not wanted.</summary>
    public DevModeAnalysis? Analysis { get; private set; }

    /// <summary>A client with the cluster's admin token.</summary>
    public Kubernetes Admin { get; private set; } = null!;

    public UpstreamStandIns StandIns { get; private set; } = null!;

    /// <summary>How long publishing the images took (zero when every image was current).</summary>
    public TimeSpan PublishTime { get; private set; }

    /// <summary>Starts everything; on failure stops what had started and rethrows.</summary>
    public static async Task<DevEnvironment> StartAsync(DevEnvironmentOptions options, PlainProgressLog log, CancellationToken ct)
    {
        var environment = new DevEnvironment(new DevCertificateAuthority(options.Time));
        try
        {
            await environment.StartPartsAsync(options, log, ct);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(DevEnvironmentOptions options, PlainProgressLog log, CancellationToken ct)
    {
        var publishing = Stopwatch.StartNew();
        await log.WriteAsync($"publishing the images' programs as the Dockerfile does (dotnet publish, cached in {options.ImageCache})");
        var images = await ProjectPublisher.PublishAsync(options.RepositoryRoot, options.ImageCache, ProjectImages.All.Select(i => i.Target), ct);
        PublishTime = publishing.Elapsed;
        await log.WriteAsync($"images ready in {PublishTime.TotalSeconds:F0} s: {string.Join(", ", ProjectImages.All.Select(i => i.Repository))}");

        Cluster = await DevClusterServer.StartAsync(options.Cluster with
        {
            Node = (options.Cluster.Node ?? new NodeOptions()) with { Images = images, TrustedCertificateAuthorities = _authority.CertificatePem },
        }, ct);
        NodeAddress = Cluster.NodeAddress ?? throw new NotSupportedException("the DevCluster node has no pod network");
        Admin = new Kubernetes(Cluster.CreateClientConfiguration());
        Model = await FakeModelServer.StartAsync(new IPEndPoint(NodeAddress, ModelHttpsPort), _authority.CertificateFor, ct);
        Tools = await FakeToolServer.StartAsync(new IPEndPoint(NodeAddress, 0), 0, ct);
        await log.WriteAsync($"fake upstreams: model {Model.BaseUrl} (HTTPS for any provider host) · tools {Tools.BaseUrl}");
        if (options.Prometheus is { } prometheus)
        {
            Analysis = await DevModeAnalysis.StartAsync(Admin, prometheus with { ListenAddress = NodeAddress }, log, options.Time, ct);
        }
        else
        {
            await log.WriteAsync("analysis: no Prometheus (--no-prometheus): canary analysis has no data, so canaries wait on their step");
        }

        var targets = new UpstreamTargets(NodeAddress, ModelHttpsPort, new IPEndPoint(NodeAddress, Tools.BaseUrl.Port),
            Analysis is null ? null : new IPEndPoint(NodeAddress, Analysis.Prometheus.Address.Port));
        var dns = Cluster.Dns ?? throw new NotSupportedException("the DevCluster node runs no cluster DNS");
        dns.SetExternalHost(HostAlias, NodeAddress);
        await log.WriteAsync($"pods reach this machine as {HostAlias} ({NodeAddress})");
        StandIns = new UpstreamStandIns(Admin, targets, dns.SetExternalHost, log);
        _standIns = StandIns.RunAsync(StandInInterval, options.Time, _stopping.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _standIns;

        // Everything listening on the node's address stops before the cluster releases the address: a node started
        // next may claim the same one and must find its ports free.
        if (Analysis is not null)
        {
            await Analysis.DisposeAsync();
        }

        if (Tools is not null)
        {
            await Tools.DisposeAsync();
        }

        if (Model is not null)
        {
            await Model.DisposeAsync();
        }

        Admin?.Dispose();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        _authority.Dispose();
        _stopping.Dispose();
    }
}
