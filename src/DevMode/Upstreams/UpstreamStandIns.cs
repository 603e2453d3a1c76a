using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.DevMode.LiveView;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevMode.Upstreams;

/// <summary>
/// Dev mode has no internet and none of the services the workflows name, so it stands in for them the way a user would
/// on a kind cluster, leaving every workflow and tool exactly as written:
/// <list type="bullet">
/// <item>a cluster-local upstream (<c>http://crm.support.svc/…</c>, the analysis' <c>prometheus-operated.monitoring.svc</c>)
/// gets a selectorless Service of that name whose EndpointSlice points at the fake on the node's address (its namespace is
/// created when missing); a Service that already exists and is not dev mode's is left alone;</item>
/// <item>an internet model host (<c>https://api.openai.com/v1</c>) is answered by the cluster DNS with the node's address,
/// where the fake model serves HTTPS with a certificate from <see cref="DevCertificateAuthority"/>.</item>
/// </list>
/// Level-triggered: every pass lists the workflows, tools and stand-in Services and applies only what is missing.
/// </summary>
internal sealed class UpstreamStandIns(IKubernetes admin, UpstreamTargets targets, Action<string, IPAddress> registerExternalHost, PlainProgressLog log)
{
    /// <summary>The label on every object dev mode creates as a stand-in.</summary>
    public const string Label = "agentoperator.io/dev-stand-in";

    private const string FieldManager = "agentoperator-dev-mode";
    private readonly HashSet<string> _externalHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    /// <summary>Runs passes every <paramref name="interval"/> until cancelled, then returns without throwing; a failed pass
    /// is logged and retried.</summary>
    public async Task RunAsync(TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopping while a pass is mid-request (HttpClient throws TaskCanceledException): the pass is abandoned.
                return;
            }
            catch (Exception exception) when (exception is HttpOperationException or HttpRequestException or JsonException)
            {
                await log.WriteAsync($"stand-ins: {exception.Message}; retrying");
            }

            try
            {
                await Task.Delay(interval, time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: every upstream named now has its stand-in.</summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        var wanted = new Dictionary<(string Namespace, string Name), StandIn>();
        foreach (var upstream in await UpstreamsAsync(ct))
        {
            if (!Uri.TryCreate(upstream.Url, UriKind.Absolute, out var uri) || IPAddress.TryParse(uri.Host, out _))
            {
                continue;
            }

            if (ClusterService(uri.Host) is { } service)
            {
                if (targets.For(upstream.Kind) is { } target)
                {
                    wanted.TryAdd(service, new StandIn(service.Namespace, service.Name, uri.Port, target, upstream.Kind));
                }
            }
            else if (upstream.Kind == UpstreamKind.Model && uri.Scheme == Uri.UriSchemeHttps && uri.Port == targets.ModelHttpsPort)
            {
                if (_externalHosts.Add(uri.Host))
                {
                    registerExternalHost(uri.Host, targets.NodeAddress);
                    await log.WriteAsync($"stand-in: {uri.Host} resolves to the fake model (https://{targets.NodeAddress}:{targets.ModelHttpsPort}, certificate from the dev CA every container trusts)");
                }
            }
            else if (_reported.Add(upstream.Url))
            {
                await log.WriteAsync($"stand-in: none for {upstream.Kind.ToString().ToLowerInvariant()} upstream {upstream.Url} (dev mode stands in for cluster Services and for https model hosts on port {targets.ModelHttpsPort}); its calls will fail");
            }
        }

        foreach (var standIn in wanted.Values)
        {
            await EnsureAsync(standIn, ct);
        }
    }

    private async Task EnsureAsync(StandIn standIn, CancellationToken ct)
    {
        V1Service? existing = null;
        try
        {
            existing = await admin.CoreV1.ReadNamespacedServiceAsync(standIn.Name, standIn.Namespace, cancellationToken: ct);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        if (existing is not null)
        {
            if (existing.Metadata.Labels?.ContainsKey(Label) != true && _reported.Add($"{standIn.Namespace}/{standIn.Name}"))
            {
                await log.WriteAsync($"stand-in: service {standIn.Namespace}/{standIn.Name} exists and is not dev mode's; left alone");
            }

            if (existing.Metadata.Labels?.ContainsKey(Label) != true || existing.Spec.Ports?.Any(p => p.Port == standIn.Port) == true)
            {
                return;
            }
        }

        await ApplyAsync(standIn, ct);
        await log.WriteAsync($"stand-in: service {standIn.Namespace}/{standIn.Name}:{standIn.Port} → the fake {standIn.Kind.ToString().ToLowerInvariant()} at {standIn.Target}");
    }

    private async Task ApplyAsync(StandIn standIn, CancellationToken ct)
    {
        var labels = new JsonObject { [Label] = "true" };
        await admin.CoreV1.PatchNamespaceAsync(Apply(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = standIn.Namespace },
        }), standIn.Namespace, fieldManager: FieldManager, cancellationToken: ct);
        var port = new JsonObject { ["name"] = "http", ["port"] = standIn.Port, ["targetPort"] = standIn.Target.Port, ["protocol"] = "TCP" };
        await admin.CoreV1.PatchNamespacedServiceAsync(Apply(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = standIn.Name, ["namespace"] = standIn.Namespace, ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(port) },
        }), standIn.Name, standIn.Namespace, fieldManager: FieldManager, force: true, cancellationToken: ct);

        // A selectorless Service's endpoints are its owner's to write; the cluster mirrors them into an EndpointSlice.
        var address = standIn.Target.Address.ToString();
        await admin.CoreV1.PatchNamespacedEndpointsAsync(Apply(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = standIn.Name, ["namespace"] = standIn.Namespace, ["labels"] = labels.DeepClone() },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = address }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = standIn.Target.Port, ["protocol"] = "TCP" }),
            }),
        }), standIn.Name, standIn.Namespace, fieldManager: FieldManager, force: true, cancellationToken: ct);
    }

    private static V1Patch Apply(JsonObject body) => new(body.ToJsonString(), V1Patch.PatchType.ApplyPatch);

    private async Task<IReadOnlyList<Upstream>> UpstreamsAsync(CancellationToken ct)
    {
        var upstreams = new List<Upstream>();
        foreach (var workflow in await ListAsync("agentworkflows", ct))
        {
            foreach (var model in (workflow["spec"]?["models"] as JsonObject ?? []).Select(m => m.Value))
            {
                if (model?["endpoint"]?.GetValue<string>() is { } endpoint)
                {
                    upstreams.Add(new Upstream(endpoint, UpstreamKind.Model));
                }
            }

            if (workflow["spec"]?["rollout"]?["analysis"]?["prometheus"]?["address"]?.GetValue<string>() is { } prometheus)
            {
                upstreams.Add(new Upstream(prometheus, UpstreamKind.Prometheus));
            }
        }

        foreach (var tool in await ListAsync("agenttools", ct))
        {
            var upstream = tool["spec"]?["upstream"];
            if ((upstream?["url"] ?? upstream?["mcp"]?["url"])?.GetValue<string>() is { } url)
            {
                upstreams.Add(new Upstream(url, UpstreamKind.Tool));
            }
        }

        return upstreams;
    }

    private async Task<IEnumerable<JsonObject>> ListAsync(string plural, CancellationToken ct)
    {
        try
        {
            var list = await admin.CustomObjects.ListClusterCustomObjectAsync("agentoperator.io", "v1alpha1", plural, cancellationToken: ct);
            return (JsonSerializer.SerializeToNode(list)?["items"] as JsonArray ?? []).OfType<JsonObject>();
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return []; // the CRDs are not installed yet
        }
    }

    /// <summary>The Service a cluster-local host names: <c>name.ns.svc</c>, <c>name.ns.svc.cluster.local</c> or <c>name.ns</c>; null for other hosts.</summary>
    internal static (string Namespace, string Name)? ClusterService(string host)
    {
        var labels = host.TrimEnd('.').Split('.');
        return labels switch
        {
            [var name, var ns] => (ns, name),
            [var name, var ns, "svc"] => (ns, name),
            [var name, var ns, "svc", "cluster", "local"] => (ns, name),
            _ => null,
        };
    }

    private sealed record Upstream(string Url, UpstreamKind Kind);

    private sealed record StandIn(string Namespace, string Name, int Port, IPEndPoint Target, UpstreamKind Kind);
}
