using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Fakes;
using k8s;

namespace AgentOperator.Gateway.Tests.Approvals;

public sealed class ApprovalFlowTests : IAsyncLifetime
{
    private const string Refund = """{"order_id":"A-1","amount_usd":40}""";
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<string> RequestApprovalAsync(string run, string tool = "payments.issue_refund", string body = Refund)
    {
        using var response = await _gateway.CallAsync(run, tool, body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["approvalId"]!.GetValue<string>();
    }

    [Fact]
    public async Task TierThree_OneApproval_ExecutesExactlyOnceUnderConcurrentRetries()
    {
        var run = await _gateway.StartRunAsync();
        var approvalId = await RequestApprovalAsync(run);
        Assert.Equal(0, _gateway.Upstream.Count("/refund"));
        var approval = await _gateway.GetApprovalAsync(approvalId);
        Assert.Equal(1, approval.Spec.ApprovalsRequired);
        Assert.Equal(3, approval.Spec.RiskTier);

        using var pending = await _gateway.CallAsync(run, "payments.issue_refund", Refund, approvalId: approvalId);
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        await _gateway.DecideAsync(approvalId, "alice", ApproverVerdict.Approve);

        var retries = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _gateway.CallAsync(run, "payments.issue_refund", Refund, approvalId: approvalId)));

        Assert.All(retries, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _gateway.Upstream.Count("/refund"));
        Assert.NotNull((await _gateway.GetApprovalAsync(approvalId)).Status!.ExecutedAt);
    }

    [Fact]
    public async Task A_call_whose_approval_the_api_server_forbids_is_refused_audited_and_never_executed()
    {
        // The gateway loses create on agentapprovals (its RoleBinding is gone): a gap in RBAC, not a reason to 500.
        var bindings = await _gateway.Cluster.Admin.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(_gateway.Namespace);
        var run = await _gateway.StartRunAsync();
        foreach (var binding in bindings.Items)
        {
            await _gateway.Cluster.Admin.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(binding.Metadata.Name, _gateway.Namespace);
        }

        using var response = await _gateway.CallAsync(run, "payments.issue_refund", Refund);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("error", "approval.store"), ((string?)problem["decision"], (string?)problem["rule"]));
        Assert.Contains("403 Forbidden to creating an AgentApproval", (string?)problem["reason"], StringComparison.Ordinal);
        Assert.Equal(0, _gateway.Upstream.Count("/refund"));
        Assert.Equal(0, await _gateway.CountApprovalsAsync());
        var line = Assert.Single(await _gateway.AuditLinesAsync(), l => l.Contains("\"rule\":\"approval.store\"", StringComparison.Ordinal));
        Assert.Contains("\"executed\":false", line, StringComparison.Ordinal);
        Assert.Contains("rule=\"approval.store\"", await _gateway.ScrapeMetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agents_intent_and_reason_are_on_the_approval_and_in_the_audit_record()
    {
        var run = await _gateway.StartRunAsync();
        const string intent = "refund order A-1 \u2014 damaged parcel";
        const string reason = "customer sent a photo; refunds under 100 USD are routine";

        using var response = await _gateway.CallAsync(run, "payments.issue_refund", Refund, headers: new Dictionary<string, string>
        {
            [ActionPacket.IntentHeader] = ActionPacket.Encode(intent),
            [ActionPacket.ReasonHeader] = ActionPacket.Encode(reason),
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var approval = await _gateway.GetApprovalAsync((await response.Content.ReadFromJsonAsync<JsonObject>())!["approvalId"]!.GetValue<string>());
        Assert.Equal((intent, reason), (approval.Spec.Intent, approval.Spec.Reason));
        Assert.Contains("needs", approval.Spec.PolicyReason, StringComparison.Ordinal);
        var line = Assert.Single(await _gateway.AuditLinesAsync(), l => l.Contains("\"decision\":\"escalate\"", StringComparison.Ordinal));
        var record = JsonNode.Parse(line)!;
        Assert.Equal((intent, reason), (record["agentIntent"]!.GetValue<string>(), record["agentReason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_over_long_intent_is_refused_naming_the_header_and_nothing_is_asked_or_executed()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "payments.issue_refund", Refund, headers: new Dictionary<string, string>
        {
            [ActionPacket.IntentHeader] = new string('x', ActionPacket.MaxIntentLength + 1),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("request.intent", problem["rule"]!.GetValue<string>());
        Assert.Contains($"X-Agent-Intent header is {ActionPacket.MaxIntentLength + 1} characters long; at most {ActionPacket.MaxIntentLength}", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, _gateway.Upstream.Count("/refund"));
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"rule\":\"request.intent\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TierFour_NeedsTwoDistinctApprovers_ThenExecutesOnce()
    {
        var run = await _gateway.StartRunAsync();
        var approvalId = await RequestApprovalAsync(run, "records.purge", """{"customer":"c-9"}""");
        Assert.Equal(2, (await _gateway.GetApprovalAsync(approvalId)).Spec.ApprovalsRequired);

        await _gateway.DecideAsync(approvalId, "alice", ApproverVerdict.Approve);
        using var afterOne = await _gateway.CallAsync(run, "records.purge", """{"customer":"c-9"}""", approvalId: approvalId);
        Assert.Equal(HttpStatusCode.Accepted, afterOne.StatusCode);
        await _gateway.DecideAsync(approvalId, "bob", ApproverVerdict.Approve);
        using var afterTwo = await _gateway.CallAsync(run, "records.purge", "", approvalId: approvalId);
        using var again = await _gateway.CallAsync(run, "records.purge", """{"customer":"c-9"}""", approvalId: approvalId);

        Assert.Equal(HttpStatusCode.OK, afterTwo.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, _gateway.Upstream.Count("/purge"));
    }

    [Fact]
    public async Task ApprovedCall_WithDifferentInput_Returns403()
    {
        var run = await _gateway.StartRunAsync();
        var approvalId = await RequestApprovalAsync(run);
        await _gateway.DecideAsync(approvalId, "alice", ApproverVerdict.Approve);

        using var response = await _gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":400}""", approvalId: approvalId);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("approval.input", (await response.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Equal(0, _gateway.Upstream.Count("/refund"));
    }

    [Fact]
    public async Task Denied_is_an_answered_escalation_with_the_approvers_comment_in_the_audit()
    {
        var run = await _gateway.StartRunAsync();
        var approvalId = await RequestApprovalAsync(run);
        await _gateway.DecideAsync(approvalId, "bob", ApproverVerdict.Deny, "customer already refunded");

        using var response = await _gateway.CallAsync(run, "payments.issue_refund", Refund, approvalId: approvalId);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("approval.denied", problem["rule"]!.GetValue<string>());
        Assert.Equal("escalate", problem["decision"]!.GetValue<string>());
        Assert.Equal(0, _gateway.Upstream.Count("/refund"));
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"rule\":\"approval.denied\"", StringComparison.Ordinal)
            && l.Contains("bob: customer already refunded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Expired_approval_is_refused_even_before_the_operator_marks_it()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(approvalTtl: TimeSpan.FromSeconds(1));
        var run = await gateway.StartRunAsync();
        using var first = await gateway.CallAsync(run, "payments.issue_refund", Refund);
        var approvalId = (await first.Content.ReadFromJsonAsync<JsonObject>())!["approvalId"]!.GetValue<string>();
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        using var response = await gateway.CallAsync(run, "payments.issue_refund", Refund, approvalId: approvalId);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("approval.expired", (await response.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Equal(0, gateway.Upstream.Count("/refund"));
    }

    [Fact]
    public async Task Escalation_IsCounted_AndApprovalInputIsRedacted()
    {
        var run = await _gateway.StartRunAsync();

        var approvalId = await RequestApprovalAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":40,"note":"customer jane@example.com"}""");

        var input = (await _gateway.GetApprovalAsync(approvalId)).Spec.Input!;
        Assert.DoesNotContain("jane@example.com", input.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("agent_escalations_total{workflow=\"support-refund\",revision=\"rev0000001\"} 1", await _gateway.ScrapeMetricsAsync(), StringComparison.Ordinal);
    }
}
