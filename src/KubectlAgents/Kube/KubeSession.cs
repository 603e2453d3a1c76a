using AgentOperator.KubectlAgents.Cli;
using k8s;
using k8s.Exceptions;

namespace AgentOperator.KubectlAgents.Kube;

/// <summary>
/// The user's connection, as kubectl builds it: the kubeconfig (<c>--kubeconfig</c>, <c>$KUBECONFIG</c>, then
/// <c>~/.kube/config</c>), its context (<c>--context</c>) and namespace (<c>-n</c>, else the context's, else
/// <c>default</c>). The plugin holds no privileges of its own: every request is the user's, under their RBAC.
/// </summary>
public sealed class KubeSession : IDisposable
{
    private readonly bool _ownsClient;

    private KubeSession(Kubernetes client, string @namespace, bool allNamespaces, string? bearerToken, bool ownsClient)
    {
        Client = client;
        Namespace = @namespace;
        AllNamespaces = allNamespaces;
        BearerToken = bearerToken;
        _ownsClient = ownsClient;
    }

    public Kubernetes Client { get; }

    /// <summary>The namespace commands act in.</summary>
    public string Namespace { get; }

    /// <summary>Whether list commands cover every namespace (<c>-A</c>).</summary>
    public bool AllNamespaces { get; }

    /// <summary>The kubeconfig's bearer token, when it has one: what the audit collector accepts (it TokenReviews it).</summary>
    public string? BearerToken { get; }

    /// <summary>The same user and connection acting in <paramref name="namespace"/> (disposing it leaves the connection open).</summary>
    public KubeSession In(string @namespace) => new(Client, @namespace, false, BearerToken, ownsClient: false);

    public static KubeSession Open(string? kubeconfig, string? context, string? @namespace, bool allNamespaces, string? impersonate)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = kubeconfig is not null
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, context)
                : Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } paths
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(paths.Split(Path.PathSeparator)[0], context)
                    : KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: context);
        }
        catch (Exception e) when (e is KubeConfigException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CommandFailureException($"error: cannot load the kubeconfig ({e.Message}); pass --kubeconfig or set KUBECONFIG");
        }

        var client = impersonate is null
            ? new Kubernetes(configuration)
            : new Kubernetes(configuration, new ImpersonationHandler(impersonate));
        return new KubeSession(client, @namespace ?? configuration.Namespace ?? "default", allNamespaces, configuration.AccessToken, ownsClient: true);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            Client.Dispose();
        }
    }

    /// <summary>Adds kubectl's <c>--as</c> header: the API server checks the caller may impersonate.</summary>
    private sealed class ImpersonationHandler(string user) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("Impersonate-User", user);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
