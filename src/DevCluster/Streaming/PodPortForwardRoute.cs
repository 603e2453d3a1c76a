using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// <c>/api/v1/namespaces/NS/pods/NAME/portforward</c> (the pods/portforward subresource, what <c>kubectl port-forward</c>
/// opens): SPDY/3.1 with portforward.k8s.io, tunnelled through a WebSocket (GET, sub-protocol
/// <c>SPDY/3.1+portforward.k8s.io</c>, as kubectl 1.32 tries first) or on the upgraded connection itself (POST, its
/// fallback). Connections are made inside the pod's network namespace to localhost (<see cref="PortForwardSession"/>).
/// </summary>
internal static class PodPortForwardRoute
{
    private const string Protocol = "portforward.k8s.io";
    private const string TunnelProtocol = "SPDY/3.1+" + Protocol;
    private static readonly GroupResource Pods = new("", "pods");

    public static void Map(IEndpointRouteBuilder app, ResourceOperations ops, RbacAuthorizer authorizer, KubeletNode? node) =>
        app.MapMethods("/api/v1/namespaces/{namespace}/pods/{name}/portforward", [HttpMethods.Get, HttpMethods.Post],
            (HttpContext ctx, string @namespace, string name) => ServeAsync(ctx, ops, authorizer, node, @namespace, name));

    private static async Task ServeAsync(HttpContext ctx, ResourceOperations ops, RbacAuthorizer authorizer, KubeletNode? node, string ns, string name)
    {
        StreamingAccess.Authorize(ctx, authorizer, "portforward", ns, name);
        var stored = ops.Store.Get(Pods, ns, name) ?? throw ApiErrors.NotFound(Pods, name);
        var pod = JsonNodeExtensions.ParseObject(stored.Json);
        if (string.IsNullOrEmpty(pod.Str("spec", "nodeName")))
        {
            throw ApiErrors.BadRequest($"pod {name} does not have a host assigned");
        }

        var session = new PortForwardSession($"{name}_{ns}, uid {pod.Str("metadata", "uid")}", () => node?.Pod(ns, name));
        if (ctx.WebSockets.IsWebSocketRequest)
        {
            if (!ctx.WebSockets.WebSocketRequestedProtocols.Contains(TunnelProtocol))
            {
                throw new ApiException(403, ApiErrors.Status(403, "Forbidden",
                    $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', ctx.WebSockets.WebSocketRequestedProtocols)}], server accepts [{TunnelProtocol}]", null));
            }

            // Named in the header directly: .NET's WebSocket refuses a sub-protocol with '/' (not an RFC 7230 token)
            // after the 101 has gone out, though gorilla/websocket, the client, sends and accepts it.
            ctx.Response.Headers.SecWebSocketProtocol = TunnelProtocol;
            using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
            await using var tunnel = new WebSocketTunnelStream(socket);
            await RunAsync(session, tunnel, ctx.RequestAborted);
            return;
        }

        var (transport, _) = await SpdyUpgrade.AcceptAsync(ctx, [Protocol]);
        await RunAsync(session, transport, ctx.RequestAborted);
    }

    // Once upgraded there is no HTTP answer left to give: a client that leaves just ends the session.
    private static async Task RunAsync(PortForwardSession session, Stream transport, CancellationToken ct)
    {
        try
        {
            await session.RunAsync(transport, ct);
        }
        catch (IOException)
        {
        }
    }
}
