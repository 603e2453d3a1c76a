using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Cli;
using AgentOperator.Gateway.Tests.Cluster;
using k8s;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>The gateway's records leave the pod for the real collector: durable before a write's result, reads within a second, nothing lost or doubled.</summary>
public sealed class AuditShippingTests : IAsyncLifetime
{
    // A write that executes without an approval (tier 1): the refund itself (tier 3) waits for a human first.
    private const string Ticket = """{"subject":"refund A-1 approved by support"}""";
    private AuditTrail _trail = null!;

    public async Task InitializeAsync()
    {
        _trail = await AuditTrail.CreateAsync();
        await _trail.StartCollectorAsync();
        await _trail.StartGatewayAsync();
    }

    public async Task DisposeAsync() => await _trail.DisposeAsync();

    private HttpClient Agent() => new() { BaseAddress = _trail.Gateway!.AgentAddress };

    [Fact]
    public async Task Write_is_answered_only_after_the_collector_stored_its_record()
    {
        using var http = Agent();
        var run = await AuditTrail.StartRunAsync(http);
        using var response = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        // No waiting: the answer came after the collector's fsync, so the record is in the store now.
        var stored = _trail.StoredLines();
        Assert.Contains(stored, l => l.Contains("\"tool\":\"tickets.create\"", StringComparison.Ordinal) && l.Contains("\"decision\":\"allow\"", StringComparison.Ordinal)
            && l.Contains($"\"runId\":\"{run}\"", StringComparison.Ordinal));
        var forwarded = System.Text.Encoding.UTF8.GetString(_trail.Forwarded.ToArray());
        Assert.Contains("\"workflow\":\"support-refund\"", forwarded, StringComparison.Ordinal);
        Assert.Contains("tickets.create", forwarded, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chain_listing_gives_readers_of_the_workflow_each_chains_signed_anchored_head()
    {
        using (var http = Agent())
        {
            var run = await AuditTrail.StartRunAsync(http);
            using var ticket = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket);
            Assert.Equal(HttpStatusCode.OK, ticket.StatusCode);
        }

        await _trail.WaitUntilShippedAsync(TimeSpan.FromSeconds(5));
        await _trail.Collector!.Maintenance.CheckpointAllAsync(CancellationToken.None);
        var stored = _trail.StoredLines();
        Assert.True(AuditChain.TryOpen(stored[^1], out _, out var headSha));

        using var reader = new HttpClient { BaseAddress = _trail.CollectorAddress };
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _trail.ReaderTokenAsync("auditor", viewer: true));
        var chains = await reader.GetFromJsonAsync<List<AuditChainListing>>(AuditCollectorApi.ChainsPath(_trail.Namespace, GatewayRoles.Workflow), AuditChain.SerializerOptions);
        var anchor = Assert.Single(chains!).Anchor;

        Assert.NotNull(anchor);
        Assert.Equal(stored.Count, anchor.Sequence);
        Assert.Equal(headSha, anchor.Sha256);
        Assert.Equal(AuditTrail.Pod, chains![0].Pod);
        Assert.InRange(anchor.Time, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        // Signed by the collector's key (its public half is served to anyone), which no gateway holds.
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(await reader.GetStringAsync(AuditCollectorApi.PublicKeyPath));
        Assert.True(anchor.IsSignedBy(key));

        // Someone who may not get the workflow learns nothing.
        using var stranger = new HttpClient { BaseAddress = _trail.CollectorAddress };
        stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _trail.ReaderTokenAsync("stranger", viewer: false));
        using var refused = await stranger.GetAsync(AuditCollectorApi.ChainsPath(_trail.Namespace, GatewayRoles.Workflow));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Reads_and_refusals_reach_the_store_within_a_second()
    {
        using var http = Agent();
        var run = await AuditTrail.StartRunAsync(http);
        using var read = await AuditTrail.CallAsync(http, run, "orders.lookup", "read", """{"order_id":"A-1"}""");
        using var denied = await AuditTrail.CallAsync(http, run, "payments.issue_refund", "create", """{"order_id":"A-1","amount_usd":9000,"reason":"x"}""");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var answered = DateTime.UtcNow;

        while (!_trail.StoredLines().Any(l => l.Contains("\"rule\":\"refund-limit\"", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow - answered < TimeSpan.FromSeconds(1), "the refusal's record was not in the store within 1 s of the answer");
            await Task.Delay(10);
        }

        Assert.Contains(_trail.StoredLines(), l => l.Contains("\"tool\":\"orders.lookup\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Store_stopped_refuses_writes_naming_the_store_reads_continue_and_recovery_ships_without_duplicates()
    {
        using var http = Agent();
        var run = await AuditTrail.StartRunAsync(http);
        using (var before = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await _trail.StopCollectorAsync();
        var calledBefore = _trail.Upstream.Count("/tickets");

        // The first write after the store went away waits for its acknowledgement, then is refused; the next ones are
        // refused before they execute.
        JsonObject? refusal = null;
        for (var i = 0; i < 3; i++)
        {
            using var write = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
            refusal = await write.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("audit.store", refusal!["rule"]!.GetValue<string>());
            Assert.Contains($"audit store at {_trail.CollectorAddress}", refusal["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.True(_trail.Upstream.Count("/tickets") - calledBefore <= 1, "writes executed while the audit store was known to be down");
        using (var read = await AuditTrail.CallAsync(http, run, "orders.lookup", "read", """{"order_id":"A-1"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var metrics = new HttpClient())
        {
            var text = await metrics.GetStringAsync(new Uri(_trail.Gateway!.MetricsAddress, "/metrics"));
            Assert.Matches(AuditMetrics.UnshippedRecords + "{workflow=\"support-refund\",revision=\"[^\"]+\"} [1-9]", text);
        }

        await _trail.StartCollectorAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            using var write = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket);
            if (write.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"writes were still refused 15 s after the store came back: {await write.Content.ReadAsStringAsync()}");
            await Task.Delay(200);
        }

        await _trail.WaitUntilShippedAsync(TimeSpan.FromSeconds(10));
        var stored = _trail.StoredLines();
        Assert.Equal(_trail.BufferedLines(), stored);
        Assert.Equal(stored.Count, stored.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Records_of_a_deleted_pod_stay_retrievable_and_verify_against_the_store()
    {
        using (var http = Agent())
        {
            var run = await AuditTrail.StartRunAsync(http);
            using var ticket = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket);
            Assert.Equal(HttpStatusCode.OK, ticket.StatusCode);
        }

        // The pod goes away with its emptyDir: the gateway stops and its buffer is deleted.
        await _trail.StopGatewayAsync();
        File.Delete(_trail.AuditPath);
        await _trail.Collector!.Maintenance.CheckpointAllAsync(CancellationToken.None);

        var viewer = Path.Combine(_trail.Directory, "viewer-token");
        await File.WriteAllTextAsync(viewer, await _trail.ReaderTokenAsync("auditor", viewer: true));
        var (code, output) = await VerifyAsync("--collector", _trail.CollectorAddress.ToString(), "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--token-file", viewer);
        Assert.True(code == 0, output);
        Assert.Contains($"ok: chain {_trail.Namespace}/{AuditTrail.Pod}", output, StringComparison.Ordinal);
        Assert.Contains(_trail.StoredLines(), l => l.Contains("\"tool\":\"tickets.create\"", StringComparison.Ordinal) && l.Contains("\"decision\":\"allow\"", StringComparison.Ordinal));

        var stranger = Path.Combine(_trail.Directory, "stranger-token");
        await File.WriteAllTextAsync(stranger, await _trail.ReaderTokenAsync("stranger", viewer: false));
        var (refused, why) = await VerifyAsync("--collector", _trail.CollectorAddress.ToString(), "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--token-file", stranger);
        Assert.Equal(1, refused);
        Assert.Contains("403", why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_acknowledges_a_resent_batch_once_and_refuses_a_different_record_at_a_stored_position()
    {
        using (var http = Agent())
        {
            await AuditTrail.StartRunAsync(http);
        }

        await _trail.WaitUntilShippedAsync(TimeSpan.FromSeconds(5));
        var lines = _trail.BufferedLines();
        using var collector = new HttpClient { BaseAddress = _trail.CollectorAddress };
        collector.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await File.ReadAllTextAsync(_trail.GatewayTokenPath));

        using var again = await collector.PostAsJsonAsync(AuditCollectorApi.BatchesPath, new AuditBatch(1, lines), AuditChain.SerializerOptions);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(lines.Count, (await again.Content.ReadFromJsonAsync<AuditAcknowledgement>(AuditChain.SerializerOptions))!.DurableThrough);
        Assert.Equal(lines, _trail.StoredLines());

        var forged = lines[0].Replace("\"kind\":\"", "\"kind\":\"forged.", StringComparison.Ordinal);
        Assert.NotEqual(lines[0], forged);
        using var rewrite = await collector.PostAsJsonAsync(AuditCollectorApi.BatchesPath, new AuditBatch(1, [forged]), AuditChain.SerializerOptions);
        Assert.Equal(HttpStatusCode.Conflict, rewrite.StatusCode);
        Assert.Contains("append-only", await rewrite.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(lines, _trail.StoredLines());
    }

    [Fact]
    public async Task Collector_refuses_a_token_for_another_audience_and_a_token_not_bound_to_a_pod()
    {
        using var collector = new HttpClient { BaseAddress = _trail.CollectorAddress };
        using var wrongAudience = new HttpRequestMessage(HttpMethod.Get, AuditCollectorApi.HeadPath);
        wrongAudience.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _trail.PodTokenAsync("https://kubernetes.default.svc"));
        using var unauthenticated = await collector.SendAsync(wrongAudience);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Contains(AuditCollectorApi.Audience, await unauthenticated.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var unbound = await _trail.Cluster.Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new k8s.Models.Authenticationv1TokenRequest { Spec = new k8s.Models.V1TokenRequestSpec { Audiences = [AuditCollectorApi.Audience], ExpirationSeconds = 3600 } },
            GatewayRoles.RevisionObject, _trail.Namespace);
        using var notBound = new HttpRequestMessage(HttpMethod.Get, AuditCollectorApi.HeadPath);
        notBound.Headers.Authorization = new AuthenticationHeaderValue("Bearer", unbound.Status.Token);
        using var forbidden = await collector.SendAsync(notBound);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("not bound to a pod", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    internal static async Task<(int Code, string Output)> VerifyAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GatewayCommandLine.RunAsync(["verify", .. args], output, error, CancellationToken.None);
        return (code, output.ToString() + error);
    }
}
