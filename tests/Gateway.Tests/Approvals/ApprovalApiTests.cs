using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Approvals;
using AgentOperator.Gateway.Tests.Cluster;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentOperator.Gateway.Tests.Approvals;

/// <summary>
/// The approval API against a real API server: approvers are ServiceAccounts whose TokenRequest tokens the
/// API authenticates with a TokenReview and authorizes with a SubjectAccessReview of the RBAC verb approve.
/// </summary>
public sealed class ApprovalApiTests(ApproversFixture approvers) : IClassFixture<ApproversFixture>, IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    private string Namespace => approvers.Namespace;

    private Kubernetes Admin => approvers.Cluster.Admin;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IKubernetes>(Admin);
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
        approvers.Cluster.Server.Faults.Reset();
    }

    private async Task<string> CreateApprovalAsync(int approvalsRequired)
    {
        var store = new KubernetesApprovalStore(Admin, Namespace);
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

    private async Task<AgentApproval> ReadAsync(string name) =>
        await Admin.CustomObjects.GetNamespacedCustomObjectAsync<AgentApproval>(ApiGroup.Group, ApiGroup.Version, Namespace, AgentApproval.Plural, name);

    private async Task<ApprovalDecision?> DecisionAsync(string name) => (await ReadAsync(name)).Status?.Decision;

    [Fact]
    public async Task Approve_OneApproverRequired_Approves()
    {
        var name = await CreateApprovalAsync(1);

        using var response = await DecideAsync(name, approvers.AliceToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ApprovalDecision.Approved, await DecisionAsync(name));
        var approval = Assert.Single((await ReadAsync(name)).Status!.Approvals!);
        Assert.Equal(TestCluster.UserOf(Namespace, "alice"), approval.User);
        Assert.Equal("checked the order", approval.Comment);
    }

    [Fact]
    public async Task Approve_TierFour_NeedsTwoDistinctUsers()
    {
        var name = await CreateApprovalAsync(2);

        using var first = await DecideAsync(name, approvers.AliceToken);
        Assert.Equal(ApprovalDecision.Pending, await DecisionAsync(name));
        using var again = await DecideAsync(name, approvers.AliceToken);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("approval.distinct_approvers", (await again.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Equal(ApprovalDecision.Pending, await DecisionAsync(name));
        using var second = await DecideAsync(name, approvers.BobToken);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(ApprovalDecision.Approved, await DecisionAsync(name));
    }

    [Fact]
    public async Task Approve_ConcurrentApproversAndConflicts_BothRecorded()
    {
        var name = await CreateApprovalAsync(2);
        approvers.Cluster.Server.Faults.FailNext("update", AgentApproval.Plural, 409, count: 2);

        var responses = await Task.WhenAll(DecideAsync(name, approvers.AliceToken), DecideAsync(name, approvers.BobToken));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(ApprovalDecision.Approved, await DecisionAsync(name));
        Assert.Equal(2, (await ReadAsync(name)).Status!.Approvals!.Count);
    }

    [Fact]
    public async Task Deny_OneDenial_Denies()
    {
        var name = await CreateApprovalAsync(2);

        using var response = await DecideAsync(name, approvers.BobToken, "deny");
        using var late = await DecideAsync(name, approvers.AliceToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ApprovalDecision.Denied, await DecisionAsync(name));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Approve_AfterExpiry_IsGoneAndMarksExpired()
    {
        var name = await CreateApprovalAsync(1);
        _time.Advance(TimeSpan.FromMinutes(31));

        using var response = await DecideAsync(name, approvers.AliceToken);

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ApprovalDecision.Expired, await DecisionAsync(name));
    }

    [Fact]
    public async Task Approve_UserWithoutApproveVerb_Forbidden()
    {
        var name = await CreateApprovalAsync(1);

        using var response = await DecideAsync(name, approvers.MalloryToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(ApprovalDecision.Pending, await DecisionAsync(name));
    }

    [Fact]
    public async Task Approve_UnknownOrMissingToken_Unauthorized()
    {
        var name = await CreateApprovalAsync(1);

        using var unknown = await DecideAsync(name, "forged-token");
        using var missing = await _http.PostAsync($"/approvals/{Namespace}/{name}/approve", null);

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(ApprovalDecision.Pending, await DecisionAsync(name));
    }

    [Fact]
    public async Task Approve_UnknownApproval_NotFound()
    {
        using var response = await DecideAsync("nope", approvers.AliceToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
