using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// <c>/api/v1/namespaces/NS/pods/NAME/exec</c> (the pods/exec subresource, what <c>kubectl exec</c> opens): a command run
/// in one of the node's containers (<see cref="ExecProcess"/>) with its streams over a WebSocket (GET, v5 or v4
/// channels, as kubectl 1.32 tries first) or SPDY/3.1 (POST, v4, its fallback). Checks and errors are kube-apiserver's
/// (authorization, pod, container) and then the kubelet's (the container must be running a process).
/// </summary>
internal static class PodExecRoute
{
    private static readonly GroupResource Pods = new("", "pods");
    private static readonly string[] WebSocketProtocols = [WebSocketExecStreams.V5, WebSocketExecStreams.V4];

    public static void Map(IEndpointRouteBuilder app, ResourceOperations ops, RbacAuthorizer authorizer, KubeletNode? node) =>
        app.MapMethods("/api/v1/namespaces/{namespace}/pods/{name}/exec", [HttpMethods.Get, HttpMethods.Post],
            (HttpContext ctx, string @namespace, string name) => ServeAsync(ctx, ops, authorizer, node, @namespace, name));

    private static async Task ServeAsync(HttpContext ctx, ResourceOperations ops, RbacAuthorizer authorizer, KubeletNode? node, string ns, string name)
    {
        StreamingAccess.Authorize(ctx, authorizer, "exec", ns, name);
        var stored = ops.Store.Get(Pods, ns, name) ?? throw ApiErrors.NotFound(Pods, name);
        var pod = JsonNodeExtensions.ParseObject(stored.Json);
        var options = Options(ctx.Request.Query, pod, name);
        if (string.IsNullOrEmpty(pod.Str("spec", "nodeName")))
        {
            throw ApiErrors.BadRequest($"pod {name} does not have a host assigned");
        }

        // The kubelet's answer for a container with no running process (not started, ended, or run without one).
        var target = node?.ExecTarget(ns, name, options.Container);
        var notFound = $"container not found (\"{options.Container}\")";
        var ct = ctx.RequestAborted;
        if (ctx.WebSockets.IsWebSocketRequest)
        {
            var protocol = WebSocketProtocols.FirstOrDefault(ctx.WebSockets.WebSocketRequestedProtocols.Contains)
                ?? throw new ApiException(403, ApiErrors.Status(403, "Forbidden",
                    $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', ctx.WebSockets.WebSocketRequestedProtocols)}], server accepts [{string.Join(' ', WebSocketProtocols)}]", null));
            await using var streams = await WebSocketExecStreams.AcceptAsync(ctx, protocol, options);
            if (target is null)
            {
                // What kube-apiserver's stream translator sends when the kubelet refuses the upgrade.
                await streams.WriteStatusAsync(ExecStatus.Internal("unable to upgrade connection: " + notFound), ct);
                return;
            }

            await RunAsync(target, options, streams, translated: protocol == WebSocketExecStreams.V5, ct);
            return;
        }

        if (target is null)
        {
            // The kubelet refuses the upgrade with a plain-text 500, which kube-apiserver passes on.
            ctx.Response.StatusCode = 500;
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync(notFound, ct);
            return;
        }

        var (transport, _) = await SpdyUpgrade.AcceptAsync(ctx, [SpdyExecStreams.V4]);
        SpdyExecStreams spdy;
        try
        {
            spdy = await SpdyExecStreams.OpenAsync(transport, options, ct);
        }
        catch (IOException)
        {
            return;
        }

        await using (spdy)
        {
            await RunAsync(target, options, spdy, translated: false, ct);
        }
    }

    // Once upgraded there is no HTTP answer left to give: a client that leaves mid-exec just ends it.
    private static async Task RunAsync(ContainerExecTarget target, ExecOptions options, IExecStreams streams, bool translated, CancellationToken ct)
    {
        try
        {
            await ExecSession.RunAsync(target, options, streams, translated, ct);
        }
        catch (IOException)
        {
        }
    }

    // PodExecOptions as kube-apiserver reads and checks them; the container defaults to the only one.
    private static ExecOptions Options(IQueryCollection query, JsonObject pod, string name)
    {
        bool Flag(string key) => query[key].ToString() is "true" or "1";
        var command = query["command"].Select(c => c ?? "").ToList();
        if (command.Count == 0)
        {
            throw ApiErrors.BadRequest("you must specify at least one command for the container");
        }

        if (!Flag("stdin") && !Flag("stdout") && !Flag("stderr"))
        {
            throw ApiErrors.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
        }

        var containers = Names(pod, "containers");
        var initContainers = Names(pod, "initContainers");
        var container = query["container"].ToString() is { Length: > 0 } c ? c
            : containers.Count == 1 ? containers[0]
            : throw ApiErrors.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]"
                + (initContainers.Count > 0 ? $" or one of the init containers: [{string.Join(' ', initContainers)}]" : ""));
        var ephemeral = Names(pod, "ephemeralContainers");
        if (!containers.Contains(container) && !initContainers.Contains(container) && !ephemeral.Contains(container))
        {
            throw ApiErrors.BadRequest($"container {container} is not valid for pod {name}");
        }

        return new ExecOptions(command, container, Flag("stdin"), Flag("stdout"), Flag("stderr"), Flag("tty"));
    }

    private static List<string> Names(JsonObject pod, string field) =>
        (pod.At("spec", field) as JsonArray ?? []).Select(c => c.Str("name") ?? "").ToList();
}
