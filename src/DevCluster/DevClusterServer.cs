using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgentOperator.DevCluster.Admission;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Bootstrap;
using AgentOperator.DevCluster.Controllers;
using AgentOperator.DevCluster.Diagnostics;
using AgentOperator.DevCluster.Discovery;
using AgentOperator.DevCluster.Dns;
using AgentOperator.DevCluster.Faults;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevCluster.Patching;
using AgentOperator.DevCluster.Simulation;
using AgentOperator.DevCluster.Storage;
using AgentOperator.DevCluster.Watch;
using k8s;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace AgentOperator.DevCluster;

/// <summary>
/// An in-process Kubernetes API server for development and tests. Start it with <see cref="StartAsync"/>,
/// point kubectl at <see cref="WriteKubeconfig"/> or KubernetesClient at <see cref="CreateClientConfiguration"/>,
/// and dispose it to stop.
/// It listens on 127.0.0.1 (and, when its node gives pods their own network, on the node's bridge address, where pods
/// reach it), with TLS from a self-signed certificate made at start (kubectl sends bearer tokens only over https); the
/// kubeconfig and client configuration carry that certificate as the CA.
/// </summary>
public sealed class DevClusterServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _controllers = [];
    private readonly ServiceAccountTokenIssuer _issuer;

    private readonly X509Certificate2 _certificate;
    private readonly ObjectStore _store;
    private readonly ClientCertificateAuthority _clientCa;
    private KubeletNode? _node;
    private NodeNetwork? _network;

    private DevClusterServer(WebApplication app, FaultInjector faults, ServiceAccountTokenIssuer issuer, string adminToken, X509Certificate2 certificate, ObjectStore store, ClientCertificateAuthority clientCa)
    {
        _clientCa = clientCa;
        _certificate = certificate;
        _store = store;
        _app = app;
        Faults = faults;
        _issuer = issuer;
        AdminToken = adminToken;
    }

    /// <summary>
    /// The node's address as its pods see it (the host side of the pods' bridge): where a process on this machine listens
    /// to be reachable from pods. Null without a node or without pod networks.
    /// </summary>
    public System.Net.IPAddress? NodeAddress => _network?.Gateway;

    /// <summary>The server's URL, e.g. <c>https://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("https://127.0.0.1/");

    /// <summary>The serving certificate (self-signed, its own CA) in PEM, as kubeconfigs carry it.</summary>
    public string CertificateAuthorityPem => _certificate.ExportCertificatePem();

    /// <summary>The bearer token of the built-in admin user (group system:masters).</summary>
    public string AdminToken { get; }

    /// <summary>How many client watch streams are open right now (tests use it to know a watch is established).</summary>
    public int OpenWatchCount => _store.ClientWatchCount;

    /// <summary>The node's pod network (null without a node or when pods share the host's network); tests read its measurements.</summary>
    internal NodeNetwork? NodeNetwork => _network;

    /// <summary>
    /// The node's cluster DNS (the ClusterFirst pods' nameserver on the bridge address), where names of hosts outside the
    /// cluster are registered; null without a node, when pods share the host's network, or when port 53 could not be bound there.
    /// </summary>
    public ClusterDns? Dns { get; private set; }

    /// <summary>Fault injection for resilience tests; inert until a test calls it.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Starts the server on 127.0.0.1 and returns once it accepts requests.</summary>
    public static async Task<DevClusterServer> StartAsync(DevClusterOptions? options = null, CancellationToken ct = default)
    {
        options ??= new DevClusterOptions();
        var adminToken = options.AdminToken ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var loggerFactory = LoggerFactory.Create(l => l.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        var network = options.Node is { PodNetworks: true } ? await StartNodeNetworkAsync(loggerFactory.CreateLogger<KubeletNode>(), ct) : null;
        var clusterIps = new ServiceClusterIps(network?.ServiceCidr ?? ServiceClusterIps.DefaultRange);
        var certificate = ServingCertificate.Create(options.TimeProvider, network is null ? [] : [network.Gateway, clusterIps.Kubernetes]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddSimpleConsole();
        builder.WebHost.ConfigureKestrel(k =>
        {
            void Serve(ListenOptions listen)
            {
                if (options.UseTls)
                {
                    // Like kube-apiserver with --client-ca-file: a client certificate is asked for but not required.
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                        ClientCertificateValidation = (_, _, _) => true,
                    });
                }
            }

            k.Listen(System.Net.IPAddress.Loopback, options.Port, Serve);
            if (network is not null)
            {
                k.Listen(network.Gateway, options.Port, Serve);
            }

            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });

        var time = options.TimeProvider;
        var store = new ObjectStore(options.WatchHistorySize);
        var registry = new ResourceRegistry(BuiltInResources.Create());
        var fields = new FieldManager(time);
        var crds = new CustomResourceDefinitionRegistrar(registry, loggerFactory.CreateLogger<CustomResourceDefinitionRegistrar>());
        var authorizer = new RbacAuthorizer(store);
        // RBAC escalation prevention first: kube-apiserver checks it in the roles' storage, before admission webhooks/policies.
        var admission = new AdmissionChain([new RbacEscalationPrevention(store, authorizer), new ValidatingAdmissionPolicies(store, registry, authorizer)]);
        var ops = new ResourceOperations(store, registry, time, fields, [crds], admission) { ClusterIps = clusterIps, StorageObjectInUseProtection = options.Node is not null };
        crds.Attach(ops);
        var issuer = new ServiceAccountTokenIssuer(options);
        var clientCa = new ClientCertificateAuthority(time);
        var authenticator = new RequestAuthenticator(options, adminToken, issuer, store, clientCa);
        var reviews = new AccessReviews(authenticator, authorizer, issuer, options);
        var faults = new FaultInjector(store, time);
        var handler = new ResourceHandler(ops, new WatchStreamer(ops, options), authorizer, reviews, faults, fields);

        var app = builder.Build();
        app.UseWebSockets();
        app.Use(next => ApiRoutes.Guard(next, authenticator, authorizer));
        var server = new DevClusterServer(app, faults, issuer, adminToken, certificate, store, clientCa);
        server.Dns = network is null ? null : StartClusterDns(store, network.Gateway, loggerFactory.CreateLogger<ClusterDns>());
        var node = options.Node is { } nodeOptions ? new KubeletNode(ops, issuer, options, nodeOptions, network) { Dns = server.Dns } : null;
        server._node = node;
        server._network = network;
        PodLogRoute.Map(app, ops, authorizer, node);
        Streaming.PodExecRoute.Map(app, ops, authorizer, node);
        Streaming.PodPortForwardRoute.Map(app, ops, authorizer, node);
        ApiRoutes.Map(app, handler, new DiscoveryDocuments(registry), new OpenApiDocuments(registry), authorizer, () => server.BaseAddress.Authority);

        ClusterBootstrap.Run(ops);
        NodeRegistration.Register(ops, node?.HostIp ?? "127.0.0.1");
        var controllers = new List<IClusterController>
        {
            new NamespaceController(ops, loggerFactory.CreateLogger<NamespaceController>()),
            new GarbageCollector(ops, loggerFactory.CreateLogger<GarbageCollector>()),
            crds,
        };
        if (options.PublishRootCaConfigMap)
        {
            controllers.Add(new RootCaPublisher(ops, certificate.ExportCertificatePem(), loggerFactory.CreateLogger<RootCaPublisher>()));
        }

        if (node is not null)
        {
            // With pods that have addresses: Services get endpoints, and with pod networks their ClusterIPs route.
            controllers.Add(new ServiceEndpointsController(ops, loggerFactory.CreateLogger<ServiceEndpointsController>()));
            controllers.Add(new EndpointSliceMirroringController(ops, loggerFactory.CreateLogger<EndpointSliceMirroringController>()));

            // With a node to mount them, claims get volumes: the default class, its provisioner, binding, protection.
            StandardStorageClass.Install(ops);
            controllers.Add(new PersistentVolumeController(ops, new LocalPathProvisioner(Path.Combine(node.Directory, "local-path")), loggerFactory.CreateLogger<PersistentVolumeController>()));
            controllers.Add(new StorageProtectionController(ops, loggerFactory.CreateLogger<StorageProtectionController>()));
            if (network is { RoutesServices: true })
            {
                controllers.Add(new ServiceProxy(store, network, loggerFactory.CreateLogger<ServiceProxy>()));
            }
        }

        if (options.SimulateWorkloads)
        {
            var runner = (IPodRunner?)node ?? options.PodRunner ?? new ReadyPodRunner();
            controllers.Add(new DeploymentController(ops, loggerFactory.CreateLogger<DeploymentController>()));
            controllers.Add(new ReplicaSetController(ops, loggerFactory.CreateLogger<ReplicaSetController>()));
            controllers.Add(new JobController(ops, loggerFactory.CreateLogger<JobController>()));
            controllers.Add(new PodLifecycleController(ops, runner, options.PodStartDelay, loggerFactory.CreateLogger<PodLifecycleController>()));
        }

        foreach (var c in controllers)
        {
            server._controllers.Add(Task.Run(() => c.RunAsync(server._stopping.Token), CancellationToken.None));
        }

        await app.StartAsync(ct);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        var port = addresses.First(a => a.Host == "127.0.0.1").Port;

        // The kubernetes Service names the address pods reach: the bridge's when they have their own network.
        var published = network is null ? (System.Net.IPAddress.Loopback, port) : (network.Gateway, addresses.First(a => a.Host == network.Gateway.ToString()).Port);
        KubernetesServiceEndpoints.Publish(ops, published.Item1, published.Item2);
        server.BaseAddress = new Uri($"{(options.UseTls ? "https" : "http")}://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        return server;
    }

    /// <summary>The node's pod network, or null (said once, with what is lost) when this machine cannot give pods one.</summary>
    private static async Task<NodeNetwork?> StartNodeNetworkAsync(ILogger logger, CancellationToken ct)
    {
        if (NodeNetwork.Unavailable() is { } reason)
        {
            Log.PodNetworksUnavailable(logger, reason);
            return null;
        }

        NodeNetwork network;
        try
        {
            network = await NodeNetwork.StartAsync(ct);
        }
        catch (NetworkSetupException e)
        {
            Log.PodNetworksUnavailable(logger, e.Message);
            return null;
        }

        if (!network.RoutesServices)
        {
            Log.ServiceRoutingUnavailable(logger);
        }

        return network;
    }

    /// <summary>The cluster DNS on the bridge address, or null (said once) when port 53 cannot be bound there.</summary>
    private static ClusterDns? StartClusterDns(ObjectStore store, System.Net.IPAddress address, ILogger logger)
    {
        try
        {
            return ClusterDns.Start(store, address, logger);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Log.ClusterDnsUnavailable(logger, address.ToString(), e.Message);
            return null;
        }
    }

    /// <summary>The CA that signs client certificates (PEM): certificates it signed authenticate CN as user, O as groups.</summary>
    public string ClientCertificateAuthorityPem => _clientCa.CertificatePem;

    /// <summary>Issues a client certificate for <paramref name="user"/> in <paramref name="groups"/>, as a cluster's CA signs a user's CSR.</summary>
    public ClientCertificate IssueClientCertificate(string user, params string[] groups) => _clientCa.Issue(user, groups);

    /// <summary>Writes a kubeconfig (context <c>devcluster</c>, the admin token) that kubectl and KubernetesClient read as is.</summary>
    public void WriteKubeconfig(string path, string defaultNamespace = "default") =>
        WriteKubeconfigFile(path, defaultNamespace, "devcluster-admin", $"token: {AdminToken}");

    /// <summary>Writes a kubeconfig that authenticates with <paramref name="token"/> (a static token, a service-account token…).</summary>
    public void WriteKubeconfigForToken(string path, string token, string defaultNamespace = "default") =>
        WriteKubeconfigFile(path, defaultNamespace, "devcluster-user", $"token: {token}");

    /// <summary>Writes a kubeconfig that authenticates with a client certificate (see <see cref="IssueClientCertificate"/>).</summary>
    public void WriteKubeconfigForCertificate(string path, ClientCertificate certificate, string defaultNamespace = "default")
    {
        ArgumentNullException.ThrowIfNull(certificate);
        WriteKubeconfigFile(path, defaultNamespace, "devcluster-user",
            $"client-certificate-data: {Base64(certificate.CertificatePem)}\n    client-key-data: {Base64(certificate.KeyPem)}");
    }

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(text));

    private void WriteKubeconfigFile(string path, string defaultNamespace, string userName, string credentials)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var server = BaseAddress.ToString().TrimEnd('/');
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: devcluster
              cluster:
                server: {server}
                certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(CertificateAuthorityPem))}
            contexts:
            - name: devcluster
              context:
                cluster: devcluster
                user: {userName}
                namespace: {defaultNamespace}
            current-context: devcluster
            users:
            - name: {userName}
              user:
                {credentials}
            preferences: {"{}"}

            """);
    }

    /// <summary>A KubernetesClient configuration for this server, authenticated as admin (or with <paramref name="token"/>).</summary>
    public KubernetesClientConfiguration CreateClientConfiguration(string? token = null) => new()
    {
        Host = BaseAddress.ToString().TrimEnd('/'),
        AccessToken = token ?? AdminToken,
        SslCaCerts = [X509CertificateLoader.LoadCertificate(_certificate.RawData)],
    };

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _store.CloseClientWatches("server stopping");
        try
        {
            await Task.WhenAll(_controllers).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        if (_node is not null)
        {
            // The pods' processes were told to stop with the controllers; wait for their graceful ends.
            await _node.DisposeAsync();
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        if (Dns is not null)
        {
            await Dns.StopAsync();
        }

        if (_network is not null)
        {
            // After the pods and the listener on its bridge: everything the node made in the host's network goes.
            await _network.DisposeAsync();
        }

        _issuer.Dispose();
        _clientCa.Dispose();
        _certificate.Dispose();
        _stopping.Dispose();
    }
}
