using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Cluster;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// The collector's runs API v1 over a run the real gateway recorded: its decisions, cost and approvals, for callers the
/// API server lets <c>get</c> the AgentWorkflow (SubjectAccessReview on the caller's own token), and no one else.
/// </summary>
public sealed class RunsApiTests : IAsyncLifetime
{
    private const string Refund = """{"order_id":"A-1","amount_usd":40}""";
    private AuditTrail _trail = null!;
    private string _run = null!;
    private string _approvalId = null!;

    public async Task InitializeAsync()
    {
        _trail = await AuditTrail.CreateAsync();
        await _trail.StartCollectorAsync();
        await _trail.StartGatewayAsync();
        _trail.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject
        {
            ["id"] = "chatcmpl-1",
            ["model"] = "gpt-4o-2024-08-06",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "refund it" } }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 1000, ["completion_tokens"] = 500, ["total_tokens"] = 1500 },
        }));

        using var http = new HttpClient { BaseAddress = _trail.Gateway!.AgentAddress };
        _run = await AuditTrail.StartRunAsync(http);
        using (var chat = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-2024-08-06", max_tokens = 800, messages = new[] { new { role = "user", content = "refund A-1" } } }),
        })
        {
            chat.Headers.Add("X-Agent-Run", _run);
            chat.Headers.Add("X-Agent-Role", "executor");
            using var answer = await http.SendAsync(chat);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        }

        using (var denied = await AuditTrail.CallAsync(http, _run, "payments.issue_refund", "create", """{"order_id":"A-1","amount_usd":9000}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        using (var pending = await AuditTrail.CallAsync(http, _run, "payments.issue_refund", "create", Refund))
        {
            Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
            _approvalId = (await pending.Content.ReadFromJsonAsync<JsonObject>())!["approvalId"]!.GetValue<string>();
        }

        await GatewayUnderTest.DecideAsync(_trail.Cluster, _trail.Namespace, _approvalId, "alice", ApproverVerdict.Approve);
        using (var approved = new HttpRequestMessage(HttpMethod.Post, $"/v1/runs/{_run}/tools/payments.issue_refund") { Content = new StringContent(Refund, Encoding.UTF8, "application/json") })
        {
            approved.Headers.Add("X-Approval-Id", _approvalId);
            approved.Headers.Add(ActionPacket.IntentHeader, ActionPacket.Encode("refund A-1 — parcel damaged"));
            approved.Headers.Add(ActionPacket.ReasonHeader, ActionPacket.Encode("the customer sent a photo"));
            using var executed = await http.SendAsync(approved);
            Assert.True(executed.StatusCode == HttpStatusCode.OK, await executed.Content.ReadAsStringAsync());
        }

        using (var complete = await http.PostAsJsonAsync($"/v1/runs/{_run}/complete", new { outcome = "success" }))
        {
            Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        }

        await _trail.WaitUntilShippedAsync(TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync() => await _trail.DisposeAsync();

    private string RunsPath => $"/v1/namespaces/{_trail.Namespace}/workflows/{GatewayRoles.Workflow}/runs";

    private HttpClient Reader(string? token)
    {
        var http = new HttpClient { BaseAddress = _trail.CollectorAddress };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    [Fact]
    public async Task A_viewer_reads_the_run_with_its_decisions_cost_and_approvals()
    {
        using var http = Reader(await _trail.ReaderTokenAsync("auditor", viewer: true));

        var list = await http.GetFromJsonAsync<RunList>(RunsPath, AuditChain.SerializerOptions);
        Assert.Equal(RunList.Version, list!.ApiVersion);
        var summary = Assert.Single(list.Items, r => r.RunId == _run);
        Assert.Equal("success", summary.Outcome);
        Assert.Empty(summary.Decisions);

        var run = (await http.GetFromJsonAsync<RunRecord>($"{RunsPath}/{_run}", AuditChain.SerializerOptions))!;
        Assert.Equal(("success", GatewayRoles.Workflow, _trail.Namespace, AuditTrail.Pod), (run.Outcome, run.Workflow, run.Namespace, run.Pod));
        Assert.NotNull(run.StartedAt);
        Assert.NotNull(run.CompletedAt);
        // 1000 input tokens at $0.0025/1k and 500 output tokens at $0.01/1k.
        Assert.Equal(0.0075m, run.CostUsd);
        var tokens = Assert.Single(run.Tokens);
        Assert.Equal(("executor", "gpt-4o-2024-08-06", 1000L, 500L), (tokens.Role, tokens.Model, tokens.InputTokens, tokens.OutputTokens));
        Assert.Contains(run.Decisions, d => d is { Tool: "payments.issue_refund", Decision: "deny", Rule: "refund-limit" } && d.Reason is { Length: > 0 });
        Assert.Contains(run.Decisions, d => d is { Tool: "payments.issue_refund", Decision: "escalate", Executed: false });
        Assert.Contains(run.Decisions, d => d is { Tool: "payments.issue_refund", Executed: true, Status: 200, AgentIntent: "refund A-1 — parcel damaged", AgentReason: "the customer sent a photo" });
        Assert.All(run.Decisions.Where(d => d.Executed != true), d => Assert.Null(d.AgentIntent));
        var approval = Assert.Single(run.Approvals);
        Assert.Equal((_approvalId, "payments.issue_refund"), (approval.ApprovalId, approval.Tool));
        Assert.Equal(["alice"], approval.Approvers);
        Assert.Equal(1, run.ToolCalls);
    }

    [Fact]
    public async Task Only_callers_the_api_server_lets_get_the_workflow_read_its_runs()
    {
        using (var anonymous = Reader(null))
        using (var response = await anonymous.GetAsync(new Uri(RunsPath, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var forged = Reader("not-a-token"))
        using (var response = await forged.GetAsync(new Uri(RunsPath, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Authenticated, but no RoleBinding lets it get the AgentWorkflow.
        using (var stranger = Reader(await _trail.ReaderTokenAsync("stranger", viewer: false)))
        using (var response = await stranger.GetAsync(new Uri($"{RunsPath}/{_run}", UriKind.Relative)))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, body);
            Assert.DoesNotContain(_approvalId, body, StringComparison.Ordinal);
        }

        // The gateway's token is bound to the collector's audience for appending: it reads nothing.
        using (var gateway = Reader(await File.ReadAllTextAsync(_trail.GatewayTokenPath)))
        using (var response = await gateway.GetAsync(new Uri($"{RunsPath}/{_run}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var viewer = Reader(await _trail.ReaderTokenAsync("viewer", viewer: true));
        using (var response = await viewer.GetAsync(new Uri($"{RunsPath}/no-such-run", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("no stored run 'no-such-run'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await viewer.GetAsync(new Uri($"{RunsPath}?since=yesterday", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("since and until are RFC 3339 times", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await viewer.GetAsync(new Uri($"/v1/namespaces/{_trail.Namespace}/workflows/..%2Fsecrets/runs", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var window = await viewer.GetFromJsonAsync<RunList>($"{RunsPath}?since={DateTimeOffset.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", AuditChain.SerializerOptions);
        Assert.Empty(window!.Items);
    }
}
