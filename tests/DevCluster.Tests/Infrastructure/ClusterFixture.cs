using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>
/// One DevCluster per test class (xunit class fixture), on a port the OS picks, with a kubeconfig for kubectl,
/// a KubernetesClient and a raw HTTP client for asserting exact wire responses. Disposed with the class.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private DevClusterServer? _server;

    public DevClusterServer Server => _server ?? throw new InvalidOperationException("not started");

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "devcluster-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public Kubernetes Client { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    /// <summary>Options for this fixture's server; test classes needing others derive from the fixture.</summary>
    protected virtual DevClusterOptions Options => new() { WatchBookmarkInterval = TimeSpan.FromMilliseconds(300), PodStartDelay = TimeSpan.FromMilliseconds(50) };

    public virtual async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        _server = await DevClusterServer.StartAsync(Options);
        _server.WriteKubeconfig(KubeconfigPath);
        Client = new Kubernetes(_server.CreateClientConfiguration());
        Http = CreateHttpClient(_server.AdminToken);
        Kubectl = new Kubectl(KubeconfigPath, Path.Combine(Directory, "cache"));
    }

    /// <summary>An HTTP client that trusts the server's self-signed CA, sending <paramref name="token"/> when given.</summary>
    public HttpClient CreateHttpClient(string? token)
    {
        var ca = X509CertificateLoader.LoadCertificate(System.Text.Encoding.ASCII.GetBytes(Server.CertificateAuthorityPem));
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.RawData.AsSpan().SequenceEqual(ca.RawData),
        };
        var http = new HttpClient(handler) { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary>
    /// A fresh namespace, so tests sharing a cluster do not see each other's objects; returned once its
    /// <c>kube-root-ca.crt</c> ConfigMap is published (as Kubernetes' e2e framework waits for it), so every test
    /// starts from the same content.
    /// </summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await Client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = name } });
        await Eventually.MatchAsync(
            async () => (await Client.CoreV1.ListNamespacedConfigMapAsync(name, fieldSelector: "metadata.name=kube-root-ca.crt")).Items.Count,
            count => count == 1,
            $"kube-root-ca.crt in {name}");
        return name;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
