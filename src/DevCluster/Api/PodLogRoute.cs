using System.Globalization;
using System.Text;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// <c>GET /api/v1/namespaces/NS/pods/NAME/log</c> (the pods/log subresource, what <c>kubectl logs</c> reads): a
/// container's log from the node's log files, with container, previous, follow, tailLines, sinceSeconds, sinceTime and
/// timestamps as kube-apiserver passes them to the kubelet. Without a node (the simulated kubelet) a log is empty.
/// </summary>
internal static class PodLogRoute
{
    private static readonly GroupResource Pods = new("", "pods");
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(200);

    public static void Map(IEndpointRouteBuilder app, ResourceOperations ops, RbacAuthorizer authorizer, KubeletNode? node) =>
        app.MapGet("/api/v1/namespaces/{namespace}/pods/{name}/log", (HttpContext ctx, string @namespace, string name) => ServeAsync(ctx, ops, authorizer, node, @namespace, name));

    private static async Task ServeAsync(HttpContext ctx, ResourceOperations ops, RbacAuthorizer authorizer, KubeletNode? node, string ns, string name)
    {
        var user = (UserInfo)ctx.Items[ResourceHandler.UserItem]!;
        var attributes = new RequestAttributes("get", "", "pods", "log", ns, name, true, ctx.Request.Path);
        if (!authorizer.Authorize(user, attributes).Allowed)
        {
            throw ApiErrors.Forbidden(Pods, name, $"pods \"{name}\" is forbidden: {attributes.ForbiddenMessage(user.Name)}");
        }

        var stored = ops.Store.Get(Pods, ns, name) ?? throw ApiErrors.NotFound(Pods, name);
        var pod = JsonNodeExtensions.ParseObject(stored.Json);
        var containers = Names(pod, "containers");
        var initContainers = Names(pod, "initContainers");
        var query = ctx.Request.Query;
        var container = query["container"].ToString() is { Length: > 0 } c ? c
            : containers.Count == 1 ? containers[0]
            : throw ApiErrors.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]"
                + (initContainers.Count > 0 ? $" or one of the init containers: [{string.Join(' ', initContainers)}]" : ""));
        if (!containers.Contains(container) && !initContainers.Contains(container))
        {
            throw ApiErrors.BadRequest($"container {container} is not valid for pod {name}");
        }

        var running = node?.Pod(ns, name)?.Container(container);
        ctx.Response.ContentType = "text/plain";
        if (node is null)
        {
            ctx.Response.StatusCode = 200;
            return;
        }

        var previous = query["previous"] == "true";
        var attempt = running?.Attempt ?? -1;
        if (attempt < 0)
        {
            throw ApiErrors.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {running?.WaitingReason ?? "ContainerCreating"}");
        }

        if (previous && attempt < 1)
        {
            throw ApiErrors.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found");
        }

        var number = previous ? attempt - 1 : attempt;
        var path = running!.LogPath(number);
        var timestamps = query["timestamps"] == "true";
        var since = Since(query["sinceSeconds"], query["sinceTime"], ops.Time);
        var tail = long.TryParse(query["tailLines"], CultureInfo.InvariantCulture, out var t) ? t : -1;

        ctx.Response.StatusCode = 200;
        await ctx.Response.StartAsync(ctx.RequestAborted);
        var (lines, offset) = Read(path, 0);
        var selected = lines.Where(l => since is null || l.Time >= since);
        if (tail >= 0)
        {
            selected = selected.TakeLast((int)Math.Min(tail, int.MaxValue));
        }

        await WriteAsync(ctx, selected, timestamps);
        if (query["follow"] != "true" || previous)
        {
            return;
        }

        // Follow the run until it ends (or the pod is gone, or the client leaves), then drain what is left.
        while (!ctx.RequestAborted.IsCancellationRequested)
        {
            var stillRunning = running.Attempt == number && running.Running && node.Pod(ns, name) is not null;
            (lines, offset) = Read(path, offset);
            await WriteAsync(ctx, lines, timestamps);
            if (!stillRunning)
            {
                return;
            }

            await Task.Delay(FollowPoll, ops.Time, ctx.RequestAborted);
        }
    }

    private static List<string> Names(System.Text.Json.Nodes.JsonObject pod, string field) =>
        (pod.At("spec", field) as System.Text.Json.Nodes.JsonArray ?? []).Select(c => c.Str("name") ?? "").ToList();

    private static DateTimeOffset? Since(string? seconds, string? time, TimeProvider clock) =>
        long.TryParse(seconds, CultureInfo.InvariantCulture, out var s) ? clock.GetUtcNow().AddSeconds(-s)
        : DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : null;

    // The complete lines after offset (a line still being written waits for its newline), and the new offset.
    private static (List<ContainerLogLine> Lines, long Offset) Read(string path, long offset)
    {
        if (!File.Exists(path))
        {
            return ([], offset);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(offset, SeekOrigin.Begin);
        var bytes = new byte[stream.Length - offset];
        stream.ReadExactly(bytes);
        var end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < 0)
        {
            return ([], offset);
        }

        var text = Encoding.UTF8.GetString(bytes, 0, end);
        var lines = text.Split('\n').Select(ContainerLogLine.Parse).OfType<ContainerLogLine>().ToList();
        return (lines, offset + end + 1);
    }

    private static async Task WriteAsync(HttpContext ctx, IEnumerable<ContainerLogLine> lines, bool timestamps)
    {
        var text = string.Concat(lines.Select(l => l.Render(timestamps)));
        if (text.Length > 0)
        {
            await ctx.Response.WriteAsync(text, ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
    }
}
