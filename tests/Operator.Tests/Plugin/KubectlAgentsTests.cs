using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Commands;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Approvals;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Workflows;
using AgentOperator.Operator.Workflows;
using k8s;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Plugin;

/// <summary>
/// <c>kubectl agents</c> through the real kubectl, as admin and as the README's approvers (alice with a token, mallory
/// without the approve verb), against config/rbac's operator and config/admission's policies: what each command prints
/// (table and JSON) and what it changes.
/// </summary>
public sealed class KubectlAgentsTests(ApprovalClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ApprovalClusterFixture>, IAsyncLifetime
{
    private const string Workflow = "refunds";
    private readonly List<OperatorInstance> _operators = [];

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
    public async Task Status_shows_phase_stable_revision_and_kill_switch_as_a_table_and_the_objects_as_json()
    {
        var (ns, ready) = await ReadyWorkflowAsync("plugin-status");

        var table = await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "status", "-n", ns);
        output.WriteLine(table);
        var row = KubectlAgentsPlugin.Row(table, Workflow);
        Assert.Equal(WorkflowPhases.Ready, row["PHASE"]);
        Assert.Equal(ready.Status!.StableRevision, row["STABLE"]);
        Assert.Equal("-", row["CANARY"]);
        Assert.Equal("off", row["KILL SWITCH"]);
        Assert.Equal("approve", row["AUTONOMY"]);

        var all = await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "status", "-A");
        Assert.StartsWith("NAMESPACE", all, StringComparison.Ordinal);
        Assert.Contains(ns, all, StringComparison.Ordinal);

        var json = JsonNode.Parse(await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "status", Workflow, "-n", ns, "-o", "json"))!;
        Assert.Equal(Workflow, json["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(ready.Status.StableRevision, json["status"]!["stableRevision"]!.GetValue<string>());
        var list = JsonNode.Parse(await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "status", "-n", ns, "-o", "json"))!;
        Assert.Equal("List", list["kind"]!.GetValue<string>());

        var missing = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "status", "nope", "-n", ns);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("NotFound", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approvals_lists_what_waits_and_approve_records_the_authenticated_user_once()
    {
        var (ns, ready) = await ReadyWorkflowAsync("plugin-approve");
        await ApprovalRequests.BindApproverAsync(Admin, ns, "alice");
        var (gateway, _) = await ApprovalRequests.GatewayClientAsync(cluster, ns, Workflow, ready.Status!.StableRevision!);
        var name = await ApprovalRequests.CreateAsync(gateway, Admin, ns, Workflow, ready.Status.StableRevision!, tier: 3, approvalsRequired: 1);

        var pending = await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf("alice"), "approvals", "-n", ns);
        output.WriteLine(pending);
        var row = KubectlAgentsPlugin.Row(pending, name);
        Assert.Equal((Workflow, WorkflowManifests.IssueRefund, "3", "0/1", "Pending"), (row["WORKFLOW"], row["TOOL"], row["TIER"], row["VERDICTS"], row["DECISION"]));
        Assert.Contains("\"order_id\":\"A-1001\"", row["INPUT"], StringComparison.Ordinal);
        Assert.Equal("refund above 50 USD", row["WHY"]);
        Assert.Equal(("refund order A-1001", "the parcel arrived damaged"), (row["INTENT"], row["AGENT REASON"]));
        var pendingJson = JsonNode.Parse(await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf("alice"), "approvals", "-n", ns, "-o", "json"))!;
        Assert.Equal("refund order A-1001", pendingJson["items"]![0]!["spec"]!["intent"]!.GetValue<string>());
        Assert.Equal("the parcel arrived damaged", pendingJson["items"]![0]!["spec"]!["reason"]!.GetValue<string>());

        var approved = await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf("alice"), "approve", name, "-n", ns, "--comment", "order checked");
        Assert.Contains($"{name} approved by alice (1/1 alice:approve)", approved, StringComparison.Ordinal);
        var decided = await ApprovalRequests.WaitForDecisionAsync(Admin, ns, name, ApprovalDecision.Approved);
        var verdict = Assert.Single(decided.Status!.Approvals!);
        Assert.Equal(("alice", ApproverVerdict.Approve, "order checked"), (verdict.User, verdict.Verdict, verdict.Comment));

        // Decided: no longer listed as pending, listed with --all; a second verdict is refused before any write.
        var after = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf("alice"), "approvals", "-n", ns);
        Assert.DoesNotContain(name, after.Output, StringComparison.Ordinal);
        Assert.Contains("No approvals pending", after.Error, StringComparison.Ordinal);
        var json = JsonNode.Parse(await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf("alice"), "approvals", "--all", "-n", ns, "-o", "json"))!;
        Assert.Equal("Approved", json["items"]![0]!["status"]!["decision"]!.GetValue<string>());
        var again = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf("alice"), "deny", name, "-n", ns);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already Approved", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deny_by_a_user_without_the_approve_verb_is_refused_by_the_api_server_and_nothing_is_recorded()
    {
        var (ns, ready) = await ReadyWorkflowAsync("plugin-deny");
        var (gateway, _) = await ApprovalRequests.GatewayClientAsync(cluster, ns, Workflow, ready.Status!.StableRevision!);
        var name = await ApprovalRequests.CreateAsync(gateway, Admin, ns, Workflow, ready.Status.StableRevision!, tier: 3, approvalsRequired: 1);

        var refused = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf("mallory"), "deny", name, "-n", ns, "--comment", "no");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Forbidden", refused.Error, StringComparison.Ordinal);
        Assert.Empty((await ApprovalRequests.ReadAsync(Admin, ns, name)).Status!.Approvals!);
    }

    [Fact]
    public async Task Kill_holds_through_a_gitops_sync_that_says_killSwitch_false_until_unkill()
    {
        var (ns, ready) = await ReadyWorkflowAsync("plugin-kill");
        var bundle = ChildNames.RevisionObject(Workflow, ready.Status!.StableRevision!);

        cluster.Server.Faults.FailNext("patch", AgentWorkflow.Plural, 409, count: 2);
        var killed = await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "kill", Workflow, "-n", ns, "--reason", "refunds look wrong");
        Assert.Contains("kill switch engaged", killed, StringComparison.Ordinal);
        await WaitForKillSwitchAsync(ns, bundle, true);

        // What Argo CD self-heal does with a spec that says false: apply it again. The annotation is not in git and stays.
        await WorkflowManifests.PatchSpecAsync(Admin, ns, Workflow, WorkflowManifests.Spec() with { KillSwitch = false });
        var workflow = await WorkflowManifests.GetAsync(Admin, ns, Workflow);
        Assert.StartsWith("admin at ", workflow.Metadata.Annotations[AgentWorkflowAnnotations.KillSwitch], StringComparison.Ordinal);
        Assert.EndsWith(": refunds look wrong", workflow.Metadata.Annotations[AgentWorkflowAnnotations.KillSwitch], StringComparison.Ordinal);
        await _operators[0].WaitForIdleAsync(TimeSpan.FromSeconds(1));
        Assert.True(await KillSwitchOfAsync(ns, bundle), "the GitOps sync released the kill switch");
        Assert.Equal("on (held)", KubectlAgentsPlugin.Row(await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "status", "-n", ns), Workflow)["KILL SWITCH"]);

        cluster.Server.Faults.FailNext("patch", AgentWorkflow.Plural, 409, count: 2);
        var released = await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "unkill", Workflow, "-n", ns);
        Assert.Contains("kill switch released", released, StringComparison.Ordinal);
        await WaitForKillSwitchAsync(ns, bundle, false);
        Assert.Contains(WorkflowReasons.KillSwitchReleased, await WorkflowScenario.EventReasonsAsync(Admin, ns, Workflow));

        // A spec that holds the switch is not released by unkill, and unkill says why.
        await WorkflowManifests.PatchSpecAsync(Admin, ns, Workflow, WorkflowManifests.Spec() with { KillSwitch = true });
        var held = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "unkill", Workflow, "-n", ns);
        Assert.Equal(1, held.ExitCode);
        Assert.Contains("spec.killSwitch: true", held.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_takes_the_canary_from_status_and_without_a_canary_says_there_is_none()
    {
        var ns = await cluster.CreateNamespaceAsync("plugin-promote");
        await WorkflowManifests.ApplyToolsAsync(Admin, ns);
        _operators.Add(await OperatorInstance.StartAsync(cluster.OperatorConfiguration));
        var rollout = new RolloutSpec { Steps = [new RolloutStep { Weight = 20, PauseSeconds = 3600 }, new RolloutStep { Weight = 50, PauseSeconds = 3600 }] };
        var ready = await WorkflowScenario.CreateReadyAsync(Admin, ns, Workflow, WorkflowManifests.Spec() with { Rollout = rollout });

        var none = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "promote", Workflow, "-n", ns);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains($"has no canary in progress (phase Ready, stable revision {ready.Status!.StableRevision})", none.Error, StringComparison.Ordinal);

        await WorkflowManifests.PatchSpecAsync(Admin, ns, Workflow, WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:2.0.0") with { Rollout = rollout });
        var canary = (await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.CanaryRevision is not null && w.Status.CurrentStep is not null, "a canary held at its first step")).Status!.CanaryRevision!;
        var status = KubectlAgentsPlugin.Row(await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "status", "-n", ns), Workflow);
        Assert.Equal((canary, "1/2"), (status["CANARY"], status["STEP"]));

        // get: the tree names both revisions with their Deployments and marks the step the canary holds at.
        var tree = await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "get", Workflow, "-n", ns);
        output.WriteLine(tree);
        Assert.Contains("=> 1. weight 20%, pause 3600s   current", tree, StringComparison.Ordinal);
        Assert.Contains("   2. weight 50%, pause 3600s   pending", tree, StringComparison.Ordinal);
        var lines = tree.Split('\n');
        Assert.Contains(lines, l => l.Contains($"revision:{ready.Status!.StableRevision} ", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"\sRevision\s+stable$"));
        Assert.Contains(lines, l => l.Contains($"revision:{canary} ", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"\sRevision\s+canary$"));
        Assert.Equal(2, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\sDeployment\s+Available\s+1/1\s")));
        var treeJson = JsonNode.Parse(await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "get", Workflow, "-n", ns, "-o", "json"))!;
        Assert.Equal((ready.Status.StableRevision, canary), (treeJson["stableRevision"]!.GetValue<string>(), treeJson["canaryRevision"]!.GetValue<string>()));
        Assert.Equal(["current", "pending"], treeJson["steps"]!.AsArray().Select(n => n!["state"]!.GetValue<string>()));
        var revisions = treeJson["revisions"]!.AsArray();
        Assert.Equal(["stable", "canary"], revisions.Select(r => r!["role"]!.GetValue<string>()));
        Assert.All(revisions, r => Assert.NotNull(r!["deployment"]?["name"]));
        var missingTree = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "get", "nope", "-n", ns);
        Assert.Equal(1, missingTree.ExitCode);
        Assert.Contains("NotFound", missingTree.Error, StringComparison.Ordinal);

        Assert.Contains($"paused", await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "pause", Workflow, "-n", ns), StringComparison.Ordinal);
        Assert.Equal("true", (await WorkflowManifests.GetAsync(Admin, ns, Workflow)).Metadata.Annotations[AgentWorkflowAnnotations.Pause]);
        await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "resume", Workflow, "-n", ns);
        Assert.False((await WorkflowManifests.GetAsync(Admin, ns, Workflow)).Metadata.Annotations?.ContainsKey(AgentWorkflowAnnotations.Pause) == true);

        // The operator's status writes move the resourceVersion between the plugin's read and its patch (409 Conflict,
        // here injected twice): the plugin decides again on a fresh read and, the canary being the same, promotes it.
        cluster.Server.Faults.FailNext("patch", AgentWorkflow.Plural, 409, count: 2);
        var promoted = await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "promote", Workflow, "-n", ns);
        Assert.Contains($"promoting canary revision {canary}", promoted, StringComparison.Ordinal);
        var done = await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.StableRevision == canary && w.Status.CanaryRevision is null, $"canary {canary} promoted", TimeSpan.FromSeconds(30));
        Assert.Equal(RevisionOutcome.Promoted, done.Status!.History![^1].Outcome);

        var retry = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "retry", Workflow, "-n", ns);
        Assert.Equal(1, retry.ExitCode);
        Assert.Contains("has no rolled-back revision to retry", retry.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_accepts_the_examples_and_refuses_a_schema_or_compiler_error_with_its_field()
    {
        var examples = DevModeExamples.Repository.ExamplesDirectory;
        string[] tools = [.. Directory.GetFiles(Path.Combine(examples, "tools"), "*.yaml").Order(StringComparer.Ordinal)];
        var ok = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, ["lint", Path.Combine(examples, "support-refund.yaml"), Path.Combine(examples, "support-triage.yaml"), "--tools", .. tools]);
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("AgentWorkflow/support-refund: ok (revision ", ok.Output, StringComparison.Ordinal);

        var bad = Path.Combine(Path.GetTempPath(), $"lint-{Guid.NewGuid():N}.yaml");
        var yaml = await File.ReadAllTextAsync(Path.Combine(examples, "support-triage.yaml"));
        await File.WriteAllTextAsync(bad, System.Text.RegularExpressions.Regex.Replace(yaml, @"maxSteps: \d+", "maxSteps: 0"));
        try
        {
            var schema = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, ["lint", bad, "--tools", .. tools]);
            Assert.Equal(1, schema.ExitCode);
            Assert.Contains("spec.budgets.maxSteps: Invalid value: 0", schema.Error, StringComparison.Ordinal);

            var unbound = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "lint", Path.Combine(examples, "support-triage.yaml"), "-o", "json");
            Assert.Equal(1, unbound.ExitCode);
            var errors = JsonNode.Parse(unbound.Output)![0]!["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
            Assert.Contains(errors, e => e.StartsWith("spec.tools[0].name: no AgentTool with spec.name", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public async Task Revoke_with_a_revision_revokes_only_that_one_and_refuses_a_revision_that_is_not_live()
    {
        var (ns, ready) = await ReadyWorkflowAsync("plugin-revoke");
        var stable = ready.Status!.StableRevision!;

        var wrong = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "revoke", Workflow, "-n", ns, "--revision", "0000nope");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains($"revision \"0000nope\" is not live in agentworkflow {Workflow}; live revisions: {stable} (stable)", wrong.Error, StringComparison.Ordinal);
        var noCanary = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "revoke", Workflow, "-n", ns, "--revision", "canary");
        Assert.Equal(1, noCanary.ExitCode);
        Assert.Contains("has no canary in progress", noCanary.Error, StringComparison.Ordinal);

        // The operator's status writes may move the resourceVersion between the read and the patch (409, injected twice):
        // the plugin reads again and, the revision being the same, revokes it.
        cluster.Server.Faults.FailNext("patch", AgentWorkflow.Plural, 409, count: 2);
        var done = await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "revoke", Workflow, "-n", ns, "--revision", stable[..6]);
        Assert.Contains($"revocation of the credentials of revision {stable} requested", done, StringComparison.Ordinal);
        var annotated = await WorkflowManifests.GetAsync(Admin, ns, Workflow);
        Assert.Equal(stable, annotated.Metadata.Annotations[AgentWorkflowAnnotations.RevokeRevision]);
        var request = annotated.Metadata.Annotations[AgentWorkflowAnnotations.RevokeCredentials];
        await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.LastRevocation?.RequestId == request, $"revocation {request} handled", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(
            async () => (await Admin.CoreV1.ListNamespacedEventAsync(ns)).Items.Any(e => e.Message?.Contains($"revocation request {request}: recreated the ServiceAccounts of revision(s) {stable};", StringComparison.Ordinal) == true),
            $"an Event saying revision {stable} alone was revoked", TimeSpan.FromSeconds(30));

        // Without --revision the scope is cleared: every live revision again.
        await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "revoke", Workflow, "-n", ns);
        Assert.False((await WorkflowManifests.GetAsync(Admin, ns, Workflow)).Metadata.Annotations.ContainsKey(AgentWorkflowAnnotations.RevokeRevision));
    }

    [Fact]
    public async Task Bash_completion_offers_the_commands_that_match()
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.Environment["PATH"] = AppContext.BaseDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        using var bash = Process.Start(start)!;
        await bash.StandardInput.WriteAsync(CompletionCommand.Bash.Replace("kubectl-agents completion bash", "", StringComparison.Ordinal));
        foreach (var typed in new[] { "ap", "tr", "audit v" })
        {
            var words = typed.Split(' ');
            await bash.StandardInput.WriteLineAsync($"COMP_LINE='kubectl-agents {typed}'; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=(kubectl-agents {typed}); COMP_CWORD={words.Length}; _kubectl_agents; echo \"${{COMPREPLY[*]}}\"");
        }

        bash.StandardInput.Close();
        var completions = (await bash.StandardOutput.ReadToEndAsync()).Trim().Split('\n');
        await bash.WaitForExitAsync();
        Assert.Equal(["approvals approve", "trace", "verify"], completions);
    }

    private async Task<(string Namespace, AgentWorkflow Ready)> ReadyWorkflowAsync(string prefix)
    {
        var ns = await cluster.CreateNamespaceAsync(prefix);
        await WorkflowManifests.ApplyToolsAsync(Admin, ns);
        _operators.Add(await OperatorInstance.StartAsync(cluster.OperatorConfiguration));
        return (ns, await WorkflowScenario.CreateReadyAsync(Admin, ns, Workflow));
    }

    private async Task<bool> KillSwitchOfAsync(string ns, string configMap) =>
        JsonNode.Parse((await Admin.CoreV1.ReadNamespacedConfigMapAsync(configMap, ns)).Data[BundleConfigMapBuilder.BundleKey])!["killSwitch"]?.GetValue<bool>() ?? false;

    private Task WaitForKillSwitchAsync(string ns, string configMap, bool engaged) =>
        Eventually.TrueAsync(
            async () => await KillSwitchOfAsync(ns, configMap) == engaged,
            engaged ? $"the bundle {configMap} to deny writes" : $"the bundle {configMap} to allow writes", ApprovalRequests.DecisionTimeout);
}
