using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Approvals;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Workflows;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Approvals;

/// <summary>
/// Approvers decide with the real kubectl alone, under the identity the API server authenticated (bearer token or
/// client certificate), against the admission policies of config/admission and the operator (config/rbac's
/// ServiceAccount) turning verdicts into decisions. The approval is created as the shipped gateway creates it: with the
/// token of the revision's ServiceAccount and the Role the operator generated for it.
/// </summary>
public sealed class ApprovalJourneyTests(ApprovalClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ApprovalClusterFixture>, IAsyncLifetime
{
    private readonly List<OperatorInstance> _operators = [];

    private const string Workflow = "refunds";
    private static readonly TimeSpan DecisionTimeout = ApprovalRequests.DecisionTimeout;

    private Kubernetes Admin => cluster.Client;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var op in _operators)
        {
            await op.DisposeAsync();
        }
    }

    [Fact]
    public async Task Tier_3_action_is_approved_by_one_approver_and_executes_once()
    {
        var (ns, revision, gateway, _) = await StartAsync("approve-one", "alice");
        var name = await RequestAsync(gateway, ns, revision, tier: 3, approvalsRequired: 1);

        await VerdictAsync("alice", ns, name, "approve", "refund checked against the order");

        var approved = await WaitForDecisionAsync(ns, name, ApprovalDecision.Approved);
        var verdict = Assert.Single(approved.Status!.Approvals!);
        Assert.Equal(("alice", ApproverVerdict.Approve, "refund checked against the order"), (verdict.User, verdict.Verdict, verdict.Comment));
        Assert.NotNull(approved.Status.DecidedAt);

        // The gateway consumes it exactly once: the first executedAt lands, a second is refused by admission.
        await MarkExecutedAsync(gateway, ns, approved);
        var executed = await ReadAsync(ns, name);
        Assert.NotNull(executed.Status!.ExecutedAt);
        var again = await Assert.ThrowsAsync<HttpOperationException>(() => MarkExecutedAsync(gateway, ns, executed, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Contains("executedAt is set once", again.Response.Content, StringComparison.Ordinal);

        var reasons = await EventReasonsEventuallyAsync(ns, ApprovalEvents.Approved);
        Assert.Contains(ApprovalEvents.Requested, reasons);
        Assert.Contains(ApprovalEvents.Verdict, reasons);
        output.WriteLine($"events on {Workflow}: {string.Join(", ", reasons)}");
    }

    [Fact]
    public async Task Tier_4_action_needs_two_distinct_approvers()
    {
        var (ns, revision, gateway, _) = await StartAsync("approve-two", "alice", "carol");
        var name = await RequestAsync(gateway, ns, revision, tier: 4, approvalsRequired: 2);

        await VerdictAsync("alice", ns, name, "approve", "first look");
        await Eventually.TrueAsync(async () => (await ReadAsync(ns, name)).Status?.AnnouncedVerdicts == 1, "the operator to record alice's verdict", DecisionTimeout);
        Assert.Equal(ApprovalDecision.Pending, (await ReadAsync(ns, name)).Status!.Decision);

        var twice = await TryVerdictAsync("alice", ns, name, "approve", "approving again");
        AssertRefused(twice, "alice has already given a verdict on approval " + name);

        // carol authenticates with a client certificate: the API server takes her name from its subject.
        await VerdictAsync("carol", ns, name, "approve", "second look");
        var approved = await WaitForDecisionAsync(ns, name, ApprovalDecision.Approved);
        Assert.Equal(["alice", "carol"], approved.Status!.Approvals!.Select(v => v.User));
    }

    [Fact]
    public async Task A_user_without_the_approve_verb_in_the_namespace_is_refused_and_nothing_is_recorded()
    {
        var (ns, revision, gateway, _) = await StartAsync("no-verb", "alice");
        var name = await RequestAsync(gateway, ns, revision, tier: 3, approvalsRequired: 1);

        // mallory approves elsewhere, not here: the refusal names her, the verb and this namespace. With the shipped
        // ClusterRoles only agentoperator-approver writes an approval's status, so RBAC refuses first (kubectl reads
        // the status before it patches); a custom role granting the patch alone meets the admission policy's
        // approve check (DevCluster.Tests hold that check to kube-apiserver's authorizer semantics).
        var elsewhere = await cluster.CreateNamespaceAsync("mallory-approves-here");
        await ApprovalRequests.BindApproverAsync(Admin, elsewhere, "mallory");
        var refused = await TryVerdictAsync("mallory", ns, name, "approve", "looks fine to me");

        AssertRefused(refused, $"User \"mallory\" cannot get resource \"agentapprovals/status\" in API group \"agentoperator.io\" in the namespace \"{ns}\"");
        await AssertNothingRecordedAsync(ns, name);
    }

    [Fact]
    public async Task A_verdict_in_another_users_name_is_refused_even_for_cluster_admins()
    {
        var (ns, revision, gateway, _) = await StartAsync("self-naming", "alice", "bob");
        var name = await RequestAsync(gateway, ns, revision, tier: 3, approvalsRequired: 1);

        var asBob = await Kubectl.TryRunAsync(cluster.KubeconfigOf("alice"), PatchArgs(ns, name, "bob", "approve", "bob said yes"));
        AssertRefused(asBob, "must be the user the API server authenticated for this request (alice), not bob");

        var admin = await Kubectl.TryRunAsync(cluster.AdminKubeconfig, PatchArgs(ns, name, "alice", "approve", "on alice's behalf"));
        AssertRefused(admin, "not alice");
        await AssertNothingRecordedAsync(ns, name);
    }

    [Fact]
    public async Task The_workflows_own_service_account_can_never_decide()
    {
        var (ns, revision, gateway, token) = await StartAsync("own-sa", "alice");
        var name = await RequestAsync(gateway, ns, revision, tier: 3, approvalsRequired: 1);
        var user = $"system:serviceaccount:{ns}:{ChildNames.RevisionObject(Workflow, revision)}";

        // With kubectl, RBAC refuses first: the revision's Role does not even let it read the status.
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"gateway-{Guid.NewGuid():N}.kubeconfig");
        cluster.Server.WriteKubeconfigForToken(kubeconfig, token);
        try
        {
            var refused = await Kubectl.TryRunAsync(kubeconfig, PatchArgs(ns, name, user, "approve", "self-approval"));
            AssertRefused(refused, $"User \"{user}\" cannot get resource \"agentapprovals/status\"");
        }
        finally
        {
            File.Delete(kubeconfig);
        }

        // Its Role does grant the status patch (to consume an approval once): admission refuses the verdict.
        var patch = new JsonArray(new JsonObject
        {
            ["op"] = "add",
            ["path"] = "/status/approvals/-",
            ["value"] = new JsonObject { ["user"] = user, ["verdict"] = "approve" },
        }).ToJsonString();
        var direct = await Assert.ThrowsAsync<HttpOperationException>(() => gateway.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(patch, V1Patch.PatchType.JsonPatch), ApiGroup.Group, ApiGroup.Version, ns, AgentApproval.Plural, name));
        Assert.Contains("which never decides its own approvals", direct.Response.Content, StringComparison.Ordinal);
        await AssertNothingRecordedAsync(ns, name);
    }

    [Fact]
    public async Task An_expired_approval_cannot_be_decided()
    {
        var (ns, revision, gateway, _) = await StartAsync("expired", "alice");
        var name = await RequestAsync(gateway, ns, revision, tier: 3, approvalsRequired: 1, expiresIn: TimeSpan.FromSeconds(2));

        var expired = await WaitForDecisionAsync(ns, name, ApprovalDecision.Expired);
        Assert.Empty(expired.Status!.Approvals!);

        var late = await TryVerdictAsync("alice", ns, name, "approve", "sorry, I was away");
        AssertRefused(late, $"approval {name} is already Expired");
        await AssertNothingRecordedAsync(ns, name);
        Assert.Contains(ApprovalEvents.Expired, await EventReasonsEventuallyAsync(ns, ApprovalEvents.Expired));
    }

    [Fact]
    public async Task A_denial_is_final_and_names_the_approver()
    {
        var (ns, revision, gateway, _) = await StartAsync("denied", "alice", "bob");
        var name = await RequestAsync(gateway, ns, revision, tier: 3, approvalsRequired: 1);

        await VerdictAsync("bob", ns, name, "deny", "customer already refunded in ticket 4411");
        var denied = await WaitForDecisionAsync(ns, name, ApprovalDecision.Denied);
        Assert.Equal(("bob", "customer already refunded in ticket 4411"), (denied.Status!.Approvals![0].User, denied.Status.Approvals[0].Comment));

        var overruled = await TryVerdictAsync("alice", ns, name, "approve", "overruling bob");
        AssertRefused(overruled, $"approval {name} is already Denied");
        var gatewayTry = await Assert.ThrowsAsync<HttpOperationException>(() => MarkExecutedAsync(gateway, ns, denied));
        Assert.Contains("only on an Approved approval", gatewayTry.Response.Content, StringComparison.Ordinal);

        var events = await WorkflowScenario.EventsAsync(Admin, ns, Workflow);
        var denial = Assert.Single(events, e => e.Reason == ApprovalEvents.Denied);
        Assert.Contains("bob", denial.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_get_shows_the_decision_the_approvers_so_far_and_the_time_left_as_a_duration()
    {
        var (ns, revision, gateway, _) = await StartAsync("columns", "alice", "carol");
        var name = await RequestAsync(gateway, ns, revision, tier: 4, approvalsRequired: 2, expiresIn: TimeSpan.FromMinutes(30));
        await VerdictAsync("alice", ns, name, "approve", "first look");
        await Eventually.TrueAsync(async () => (await ReadAsync(ns, name)).Status?.Approvers == "alice", "the operator to record alice as an approver", DecisionTimeout);

        var pending = await GetApprovalRowAsync(ns, name);
        output.WriteLine(string.Join(" | ", pending));
        Assert.Equal(["NAME", "WORKFLOW", "TOOL", "TIER", "DECISION", "APPROVERS", "EXPIRES IN", "AGE"], pending.Keys);
        Assert.Equal(("Pending", "alice"), (pending["DECISION"], pending["APPROVERS"]));
        Assert.Matches("^(29m|28m)$", pending["EXPIRES IN"]);

        await VerdictAsync("carol", ns, name, "approve", "second look");
        await WaitForDecisionAsync(ns, name, ApprovalDecision.Approved);
        await Eventually.TrueAsync(async () => (await ReadAsync(ns, name)).Status?.ExpiresIn is null, "the countdown to go once decided", DecisionTimeout);
        var approved = await GetApprovalRowAsync(ns, name);
        Assert.Equal(("Approved", "alice,carol", ""), (approved["DECISION"], approved["APPROVERS"], approved["EXPIRES IN"]));
    }

    /// <summary>The real kubectl's table for one approval, by header (kubectl leaves an empty cell blank).</summary>
    private async Task<Dictionary<string, string>> GetApprovalRowAsync(string ns, string name)
    {
        var lines = (await Kubectl.RunAsync(cluster.AdminKubeconfig, "get", "agentapprovals", name, "-n", ns)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var starts = System.Text.RegularExpressions.Regex.Matches(lines[0], @"(?<=^|\s{2})\S").Select(m => m.Index).ToArray();
        string Cut(string line, int i) => starts[i] >= line.Length ? "" : line[starts[i]..Math.Min(line.Length, i + 1 < starts.Length ? starts[i + 1] : line.Length)].Trim();
        return Enumerable.Range(0, starts.Length).ToDictionary(i => Cut(lines[0], i), i => Cut(lines[1], i));
    }

    /// <summary>
    /// A namespace with the workflow Ready under an operator and <paramref name="approvers"/> bound to
    /// agentoperator-approver there; returns the stable revision and the gateway's client (the revision's ServiceAccount).
    /// </summary>
    private async Task<(string Namespace, string Revision, Kubernetes Gateway, string Token)> StartAsync(string prefix, params string[] approvers)
    {
        var ns = await cluster.CreateNamespaceAsync(prefix);
        await WorkflowManifests.ApplyToolsAsync(Admin, ns);
        var op = await OperatorInstance.StartAsync(cluster.OperatorConfiguration);
        _operators.Add(op);
        var ready = await WorkflowScenario.CreateReadyAsync(Admin, ns, Workflow);
        var revision = ready.Status!.StableRevision!;
        foreach (var approver in approvers)
        {
            await ApprovalRequests.BindApproverAsync(Admin, ns, approver);
        }

        var (gateway, token) = await ApprovalRequests.GatewayClientAsync(cluster, ns, Workflow, revision);
        return (ns, revision, gateway, token);
    }

    private Task<string> RequestAsync(Kubernetes gateway, string ns, string revision, int tier, int approvalsRequired, TimeSpan? expiresIn = null) =>
        ApprovalRequests.CreateAsync(gateway, Admin, ns, Workflow, revision, tier, approvalsRequired, expiresIn);

    private static string[] PatchArgs(string ns, string name, string user, string verdict, string comment)
    {
        var value = new JsonObject { ["user"] = user, ["verdict"] = verdict, ["comment"] = comment };
        var patch = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/status/approvals/-", ["value"] = value }).ToJsonString();
        return ["patch", "agentapproval", name, "-n", ns, "--subresource=status", "--type=json", "-p", patch];
    }

    /// <summary>What the README tells an approver to run: their own name comes from <c>kubectl auth whoami</c>.</summary>
    private async Task<KubectlResult> TryVerdictAsync(string user, string ns, string name, string verdict, string comment)
    {
        var kubeconfig = cluster.KubeconfigOf(user);
        var whoami = (await Kubectl.RunAsync(kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Trim();
        Assert.Equal(user, whoami);
        return await Kubectl.TryRunAsync(kubeconfig, PatchArgs(ns, name, whoami, verdict, comment));
    }

    private async Task VerdictAsync(string user, string ns, string name, string verdict, string comment)
    {
        var result = await TryVerdictAsync(user, ns, name, verdict, comment);
        Assert.True(result.ExitCode == 0, $"{user}'s {verdict} on {name} was refused: {result.Error}");
    }

    private static void AssertRefused(KubectlResult result, string reason)
    {
        Assert.True(result.ExitCode != 0, $"kubectl accepted what admission must refuse: {result.Output}");
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    private async Task AssertNothingRecordedAsync(string ns, string name)
    {
        var approval = await ReadAsync(ns, name);
        Assert.Empty(approval.Status!.Approvals!);
        Assert.Null(approval.Status.ExecutedAt);
    }

    private static async Task MarkExecutedAsync(Kubernetes gateway, string ns, AgentApproval read, DateTimeOffset? at = null)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = read.Metadata.ResourceVersion },
            ["status"] = new JsonObject { ["executedAt"] = (at ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) },
        };
        await gateway.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, ns, AgentApproval.Plural, read.Metadata.Name);
    }

    private Task<AgentApproval> ReadAsync(string ns, string name) => ApprovalRequests.ReadAsync(Admin, ns, name);

    private Task<AgentApproval> WaitForDecisionAsync(string ns, string name, ApprovalDecision decision) =>
        ApprovalRequests.WaitForDecisionAsync(Admin, ns, name, decision);

    private async Task<IReadOnlyList<string>> EventReasonsEventuallyAsync(string ns, string reason)
    {
        IReadOnlyList<string> reasons = [];
        await Eventually.TrueAsync(async () => (reasons = await WorkflowScenario.EventReasonsAsync(Admin, ns, Workflow)).Contains(reason), $"a {reason} event on {Workflow}", DecisionTimeout);
        return reasons;
    }
}
