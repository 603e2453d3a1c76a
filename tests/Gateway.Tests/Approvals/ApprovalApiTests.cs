using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Approvals;
using AgentOperator.Gateway.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentOperator.Gateway.Tests.Approvals;

public sealed class ApprovalApiTests : IAsyncLifetime
{
    private const string Namespace = "support";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private FakeKubernetesApi _kube = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _kube = await FakeKubernetesApi.StartAsync();
        _kube.AddUser("alice-token", "alice", mayApprove: true);
        _kube.AddUser("bob-token", "bob", mayApprove: true);
        _kube.AddUser("mallory-token", "mallory", mayApprove: false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(_kube.Client());
        builder.Services.AddApprovalApi();
        _app = builder.Build();
        _app.MapApprovalApi();
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _kube.DisposeAsync();
    }

    private async Task<string> CreateApprovalAsync(int approvalsRequired)
    {
        var store = new KubernetesApprovalStore(_kube.Client(), Namespace);
        return await store.CreateAsync(new AgentApprovalSpec
        {
            Workflow = "support-refund",
            Revision = "abc123",
            RunId = "run-1",
            Tool = "payments.issue_refund",
            Action = ToolAction.Create,
            Input = new JsonObject { ["amount_usd"] = 20 },
            InputSha256 = new string('a', 64),
            RiskTier = approvalsRequired == 2 ? 4 : 3,
            ApprovalsRequired = approvalsRequired,
            ExpiresAt = _time.GetUtcNow().AddMinutes(30),
        }, CancellationToken.None);
    }

    private async Task<HttpResponseMessage> DecideAsync(string name, string token, string verdict = "approve")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/approvals/{Namespace}/{name}/{verdict}")
        {
            Content = JsonContent.Create(new { comment = "checked the order" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    private string? Decision(string name) => _kube.Get("agentapprovals", Namespace, name)?["status"]?["decision"]?.GetValue<string>();

    [Fact]
    public async Task Approve_OneApproverRequired_Approves()
    {
        var name = await CreateApprovalAsync(1);

        using var response = await DecideAsync(name, "alice-token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Approved", Decision(name));
        var approvals = _kube.Get("agentapprovals", Namespace, name)!["status"]!["approvals"]!.AsArray();
        Assert.Equal("alice", Assert.Single(approvals)!["user"]!.GetValue<string>());
        Assert.Equal("checked the order", approvals[0]!["comment"]!.GetValue<string>());
    }

    [Fact]
    public async Task Approve_TierFour_NeedsTwoDistinctUsers()
    {
        var name = await CreateApprovalAsync(2);

        using var first = await DecideAsync(name, "alice-token");
        Assert.Equal("Pending", Decision(name));
        using var again = await DecideAsync(name, "alice-token");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("approval.distinct_approvers", (await again.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Equal("Pending", Decision(name));
        using var second = await DecideAsync(name, "bob-token");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("Approved", Decision(name));
    }

    [Fact]
    public async Task Approve_ConcurrentApproversAndConflicts_BothRecorded()
    {
        var name = await CreateApprovalAsync(2);
        _kube.StatusConflictsToInject = 2;

        var responses = await Task.WhenAll(DecideAsync(name, "alice-token"), DecideAsync(name, "bob-token"));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal("Approved", Decision(name));
        Assert.Equal(2, _kube.Get("agentapprovals", Namespace, name)!["status"]!["approvals"]!.AsArray().Count);
    }

    [Fact]
    public async Task Deny_OneDenial_Denies()
    {
        var name = await CreateApprovalAsync(2);

        using var response = await DecideAsync(name, "bob-token", "deny");
        using var late = await DecideAsync(name, "alice-token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Denied", Decision(name));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Approve_AfterExpiry_IsGoneAndMarksExpired()
    {
        var name = await CreateApprovalAsync(1);
        _time.Advance(TimeSpan.FromMinutes(31));

        using var response = await DecideAsync(name, "alice-token");

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Expired", Decision(name));
    }

    [Fact]
    public async Task Approve_UserWithoutApproveVerb_Forbidden()
    {
        var name = await CreateApprovalAsync(1);

        using var response = await DecideAsync(name, "mallory-token");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Pending", Decision(name));
    }

    [Fact]
    public async Task Approve_UnknownOrMissingToken_Unauthorized()
    {
        var name = await CreateApprovalAsync(1);

        using var unknown = await DecideAsync(name, "forged-token");
        using var missing = await _http.PostAsync($"/approvals/{Namespace}/{name}/approve", null);

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Pending", Decision(name));
    }

    [Fact]
    public async Task Approve_UnknownApproval_NotFound()
    {
        using var response = await DecideAsync("nope", "alice-token");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
