using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Watch;

/// <summary>
/// Serves <c>?watch=1</c>: a chunked stream of JSON lines <c>{"type":…,"object":…}</c>.
/// Follows kube-apiserver's rules: resourceVersion unset or "0" (or sendInitialEvents=true) starts with
/// synthetic ADDED events for the current state; a resourceVersion resumes after that revision; one older
/// than the retained history gets a single ERROR event carrying a 410 Expired Status; BOOKMARKs are sent
/// when asked for (including the <c>k8s.io/initial-events-end</c> one after the initial state).
/// </summary>
internal sealed class WatchStreamer(ResourceOperations ops, DevClusterOptions options)
{
    private const int MaxBacklog = 100_000;

    public async Task StreamAsync(HttpContext ctx, ResourceType type, string? ns, ListOptions list, bool asTable, string? includeObject, CancellationToken ct)
    {
        var rv = list.ResourceVersion;
        var initial = list.SendInitialEvents ?? (string.IsNullOrEmpty(rv) || rv == "0");
        long? from = long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : null;
        if (list.SendInitialEvents == true && list.ResourceVersionMatch is not (null or "NotOlderThan"))
        {
            throw ApiErrors.BadRequest("resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var body = ctx.Response.Body;

        StoreSubscription sub;
        List<StoredObject> snapshot;
        long startRevision;
        try
        {
            sub = ops.Store.Subscribe(type.Storage, ns, initial ? null : from, initial, MaxBacklog, isInternal: false, out snapshot, out startRevision);
        }
        catch (RevisionExpiredException e)
        {
            var status = ApiErrors.Status(410, "Expired", $"too old resource version: {e.Requested} ({e.Oldest})", null);
            await body.WriteAsync(Line("ERROR", status), ct);
            return;
        }

        using var _ = sub;
        using var timeout = list.TimeoutSeconds is { } seconds and > 0
            ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds), ops.Time)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var token = linked.Token;
        var firstTable = true;
        try
        {
            await ctx.Response.StartAsync(token);
            foreach (var o in snapshot)
            {
                var served = ResourceOperations.ToServed(type, o);
                if (Matches(list, o, served))
                {
                    await body.WriteAsync(Render("ADDED", type, served, asTable, includeObject, ref firstTable), token);
                }
            }

            if (initial && list.SendInitialEvents == true && list.AllowWatchBookmarks)
            {
                await body.WriteAsync(Bookmark(type, startRevision, initialEventsEnd: true), token);
            }

            await body.FlushAsync(token);
            var lastRevision = startRevision;
            while (!token.IsCancellationRequested)
            {
                var wrote = false;
                while (sub.TryRead(out var e))
                {
                    lastRevision = e!.ResourceVersion;
                    if (ToWatchEvent(list, e) is not { } eventType)
                    {
                        continue;
                    }

                    var line = asTable || type.Converter is not null || type.ApiVersion != type.StorageApiVersion
                        ? Render(eventType.ToString().ToUpperInvariant(), type, ResourceOperations.ToServed(type, e.Object), asTable, includeObject, ref firstTable)
                        : e.WatchLine(eventType);
                    await body.WriteAsync(line, token);
                    wrote = true;
                }

                if (wrote)
                {
                    await body.FlushAsync(token);
                }

                if (sub.ClosedReason is not null)
                {
                    return;
                }

                using var tick = new CancellationTokenSource(options.WatchBookmarkInterval, ops.Time);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(token, tick.Token);
                try
                {
                    if (!await sub.WaitToReadAsync(wait.Token))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (tick.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    if (list.AllowWatchBookmarks)
                    {
                        await body.WriteAsync(Bookmark(type, Math.Max(lastRevision, ops.Store.CurrentRevision), initialEventsEnd: false), token);
                        await body.FlushAsync(token);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or timeoutSeconds passed: the watch simply ends, as in kube-apiserver.
        }
        catch (IOException)
        {
        }
    }

    private static WatchEventType? ToWatchEvent(ListOptions list, StoreEvent e)
    {
        if (list.LabelSelector is null && list.FieldSelector is null)
        {
            return e.Type;
        }

        var now = Matches(list, e.Object, null);
        var before = e.Previous is not null && Matches(list, e.Previous, null);
        return e.Type switch
        {
            WatchEventType.Added => now ? WatchEventType.Added : null,
            WatchEventType.Deleted => before ? WatchEventType.Deleted : null,
            _ when now && before => WatchEventType.Modified,
            _ when now => WatchEventType.Added,
            _ when before => WatchEventType.Deleted,
            _ => null,
        };
    }

    private static bool Matches(ListOptions list, StoredObject o, JsonObject? served) =>
        (list.LabelSelector is null || list.LabelSelector.Matches(o.Labels)) &&
        (list.FieldSelector is null || list.FieldSelector.Matches(served ?? JsonNodeExtensions.ParseObject(o.Json)));

    private byte[] Render(string eventType, ResourceType type, JsonObject served, bool asTable, string? includeObject, ref bool firstTable)
    {
        JsonNode obj = served;
        if (asTable)
        {
            obj = TableConverter.Convert(type, [served], served.Str("metadata", "resourceVersion"), null, includeObject, ops.Time.GetUtcNow(), includeColumns: firstTable);
            firstTable = false;
        }

        return Line(eventType, obj);
    }

    private static byte[] Bookmark(ResourceType type, long revision, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return Line("BOOKMARK", new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = meta });
    }

    private static byte[] Line(string type, JsonNode obj) =>
        StoreEvent.Compose(Enum.Parse<WatchEventType>(type, ignoreCase: true), obj.ToUtf8());
}
