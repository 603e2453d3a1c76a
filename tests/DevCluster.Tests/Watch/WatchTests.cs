using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Watch;

/// <summary>
/// The watch protocol as kube-apiserver serves it (API concepts, "Efficient detection of changes"): events after
/// a resourceVersion in order; BOOKMARK events when allowWatchBookmarks is set; "410 Gone" as an ERROR event
/// with reason Expired when the resourceVersion is older than the retained history; sendInitialEvents ends its
/// synthetic ADDED events with a bookmark annotated k8s.io/initial-events-end.
/// </summary>
public sealed class WatchTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Watch_from_a_resourceVersion_replays_later_changes_in_order()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("a"), ns);
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"2"}}""", V1Patch.PatchType.MergePatch), "a", ns);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("b"), ns);
        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("a", ns);

        await using var watch = await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={created.Metadata.ResourceVersion}");
        var events = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            events.Add((await watch.NextAsync())!);
        }

        Assert.Equal(["MODIFIED a", "ADDED b", "DELETED a"], events.Select(e => $"{e["type"]} {e["object"]!["metadata"]!["name"]}"));
        var rvs = events.Select(e => long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(rvs.Order(), rvs);
    }

    [Fact]
    public async Task Watch_without_resourceVersion_starts_with_ADDED_for_existing_objects()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("existing"), ns);
        await using var watch = await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=true");
        var first = await watch.NextAsync();
        Assert.Equal("ADDED", (string?)first!["type"]);
        Assert.Equal("existing", (string?)first["object"]!["metadata"]!["name"]);
    }

    [Fact]
    public async Task Watch_from_an_expired_resourceVersion_gets_an_ERROR_event_with_410_Expired()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var old = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("a"), ns);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("b"), ns);
        cluster.Server.Faults.ExpireWatchHistory();

        await using var watch = await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={old.Metadata.ResourceVersion}");
        var error = await watch.NextAsync();
        Assert.Equal("ERROR", (string?)error!["type"]);
        var status = error["object"]!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal(410, (int?)status["code"]);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.StartsWith($"too old resource version: {old.Metadata.ResourceVersion} (", (string?)status["message"]);
        Assert.Null(await watch.NextAsync());
    }

    [Fact]
    public async Task Watch_from_exactly_the_compacted_resourceVersion_still_resumes()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var a = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("a"), ns);
        cluster.Server.Faults.ExpireWatchHistory();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("b"), ns);

        await using var watch = await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={a.Metadata.ResourceVersion}");
        var next = await watch.NextMatchingAsync(e => (string?)e["object"]!["metadata"]!["name"] == "b", "the ADDED event of b");
        Assert.Equal("ADDED", (string?)next["type"]);
    }

    [Fact]
    public async Task KubernetesClient_watch_reports_410_Gone_for_an_expired_resourceVersion()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var old = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("a"), ns);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("b"), ns);
        cluster.Server.Faults.ExpireWatchHistory();

        Exception? reported = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var seen = new List<WatchEventType>();
        try
        {
            await foreach (var (type, _) in cluster.Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: old.Metadata.ResourceVersion, onError: e => reported = e, cancellationToken: cts.Token))
            {
                seen.Add(type);
            }
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            reported = e;
        }
        catch (KubernetesException e)
        {
            reported = e;
        }
        catch (OperationCanceledException)
        {
            // KubernetesClient reports the ERROR event through onError and keeps the enumerator open.
        }

        var kubeError = Assert.IsType<KubernetesException>(reported);
        Assert.Equal(410, kubeError.Status.Code);
        Assert.Equal("Expired", kubeError.Status.Reason);
        Assert.Empty(seen);
    }

    [Fact]
    public async Task KubernetesClient_watch_with_allowWatchBookmarks_receives_BOOKMARK_with_a_current_resourceVersion()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("a"), ns);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? bookmarkVersion = null;
        await foreach (var (type, obj) in cluster.Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, allowWatchBookmarks: true, resourceVersion: created.Metadata.ResourceVersion, cancellationToken: cts.Token))
        {
            if (type == WatchEventType.Bookmark)
            {
                bookmarkVersion = obj.Metadata.ResourceVersion;
                break;
            }
        }

        Assert.NotNull(bookmarkVersion);
        Assert.True(long.Parse(bookmarkVersion, CultureInfo.InvariantCulture) >= long.Parse(created.Metadata.ResourceVersion, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SendInitialEvents_sends_the_state_then_a_bookmark_annotated_initial_events_end()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("a"), ns);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("b"), ns);
        await using var watch = await WatchReader.OpenAsync(cluster.Http,
            $"api/v1/namespaces/{ns}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");

        var initial = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };
        var end = await watch.NextAsync();
        Assert.Equal(["ADDED a", "ADDED b", "ADDED kube-root-ca.crt"], initial.Select(e => $"{e!["type"]} {e["object"]!["metadata"]!["name"]}"));
        Assert.Equal("BOOKMARK", (string?)end!["type"]);
        Assert.Equal("true", (string?)end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]);
    }

    [Fact]
    public async Task Label_selector_watch_reports_an_object_leaving_the_selector_as_DELETED()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var cm = Cm("a");
        cm.Metadata.Labels = new Dictionary<string, string> { ["app"] = "x" };
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);
        await using var watch = await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=1&labelSelector=app%3Dx&resourceVersion={created.Metadata.ResourceVersion}");
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"app":"y"}}}""", V1Patch.PatchType.MergePatch), "a", ns);
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"app":"x"}}}""", V1Patch.PatchType.MergePatch), "a", ns);

        Assert.Equal("DELETED", (string?)(await watch.NextAsync())!["type"]);
        Assert.Equal("ADDED", (string?)(await watch.NextAsync())!["type"]);
    }

    [Fact]
    public async Task A_watcher_that_never_reads_does_not_hold_up_writes_or_other_watchers()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var start = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("start"), ns);
        var big = new string('x', 20_000);
        await using var stalled = await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={start.Metadata.ResourceVersion}");
        await using var active = await WatchReader.OpenAsync(cluster.CreateHttpClient(cluster.Server.AdminToken), $"api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={start.Metadata.ResourceVersion}");

        // ~6 MB of events: far more than socket buffers hold for the stalled reader.
        for (var i = 0; i < 300; i++)
        {
            var cm = Cm($"cm-{i}");
            cm.Data["payload"] = big;
            await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);
        }

        var last = await active.NextMatchingAsync(e => (string?)e["object"]!["metadata"]!["name"] == "cm-299", "the last event");
        Assert.Equal("ADDED", (string?)last["type"]);
    }

    [Fact]
    public async Task Fifty_concurrent_watchers_all_receive_the_same_event()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var start = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("start"), ns);
        var watchers = new List<WatchReader>();
        for (var i = 0; i < 50; i++)
        {
            watchers.Add(await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={start.Metadata.ResourceVersion}"));
        }

        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("broadcast"), ns);
        var received = await Task.WhenAll(watchers.Select(w => w.NextAsync()));
        Assert.All(received, e => Assert.Equal("broadcast", (string?)e!["object"]!["metadata"]!["name"]));
        foreach (var w in watchers)
        {
            await w.DisposeAsync();
        }
    }

    [Fact]
    public async Task Dropping_all_watches_ends_every_open_stream()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var start = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(Cm("start"), ns);
        await using var watch = await WatchReader.OpenAsync(cluster.Http, $"api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={start.Metadata.ResourceVersion}");
        await Eventually.MatchAsync(() => Task.FromResult(cluster.Server.Faults.DropAllWatches()), n => n > 0, "the watch to be registered and dropped");
        Assert.Null(await watch.NextAsync());
    }

    private static V1ConfigMap Cm(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, string> { ["k"] = "1" },
    };
}
