using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.AuditCollector.Hosting;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevMode.Install;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Approvals;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Plugin;

/// <summary>
/// <c>kubectl agents console</c> started through the real kubectl with alice's kubeconfig (a bearer token; the approver
/// ClusterRole of config/rbac), against the real operator (config/rbac's identity), config/admission's policies and the
/// real audit collector (config/collector's identity), driven by Debian's headless chromium. Each page is saved as a
/// screenshot under the test output's console-screenshots folder.
/// </summary>
public sealed class ConsoleBrowserTests(ApprovalClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ApprovalClusterFixture>, IAsyncLifetime
{
    private const string Workflow = "refunds";
    private const string Alice = "alice";
    private readonly List<IAsyncDisposable> _started = [];

    private Kubernetes Admin => cluster.Client;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var started in Enumerable.Reverse(_started))
        {
            await started.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_approver_sees_the_rollout_chart_decides_an_approval_in_the_browser_and_engages_the_kill_switch_behind_a_confirmation()
    {
        var ns = await cluster.CreateNamespaceAsync("console-journey");
        var stable = await RolloutsAsync(ns);
        await ApprovalRequests.BindApproverAsync(Admin, ns, Alice);
        await BindViewerAsync(ns, Alice);
        var (collector, _) = await StartCollectorAsync();
        var agent = await StartGatewayAsync(ns, stable, collector.Address);
        var finished = await StartRunAsync(agent);
        using (var completed = await agent.PostAsJsonAsync($"/v1/runs/{finished}/complete", new { outcome = "success" }))
        {
            completed.EnsureSuccessStatusCode();
        }

        var waiting = await StartRunAsync(agent);
        var (gateway, _) = await ApprovalRequests.GatewayClientAsync(cluster, ns, Workflow, stable);
        var approval = await ApprovalRequests.CreateAsync(gateway, Admin, ns, Workflow, stable, tier: 3, approvalsRequired: 1, runId: waiting);
        var console = await StartConsoleAsync(cluster.KubeconfigOf(Alice), "-n", ns, "--collector", collector.Address.ToString());
        using var browser = HeadlessChromium.Start();
        browser.Manage().Timeouts().ImplicitWait = TimeSpan.FromSeconds(10);

        // Workflows overview: the workflow, its stable revision and the approval waiting.
        await browser.Navigate().GoToUrlAsync(console.Address.ToString());
        var row = browser.FindElement(By.CssSelector("#workflows tbody tr"));
        Assert.Contains(stable, row.Text, StringComparison.Ordinal);
        Assert.Contains("1 waiting", row.Text, StringComparison.Ordinal);
        Screenshot(browser, "01-workflows");

        // The workflow page: the chart draws the promotion and the rollback the operator recorded, with a text alternative.
        row.FindElement(By.LinkText(Workflow)).Click();
        var chart = browser.FindElement(By.Id("rollout-chart"));
        output.WriteLine(browser.FindElement(By.Id("main")).Text);
        Screenshot(browser, "02-workflow-rollout-timeline");
        Assert.Equal("img", chart.GetAttribute("role"));
        Assert.NotEmpty(chart.FindElements(By.CssSelector("g.marker.promoted")));
        Assert.NotEmpty(chart.FindElements(By.CssSelector("g.marker.rolledback")));
        var description = browser.FindElement(By.Id("rollout-chart-desc")).GetAttribute("textContent")!;
        Assert.Contains("20 % from", description, StringComparison.Ordinal);
        Assert.Contains("50 % from", description, StringComparison.Ordinal);
        Assert.Contains("rolled back at", description, StringComparison.Ordinal);

        // The inbox: the action packet, the Approve button reachable with the keyboard, then clicked.
        await browser.Navigate().GoToUrlAsync(new Uri(console.Address, "/approvals").ToString());
        var packet = browser.FindElement(By.Id($"approval-{approval}"));
        Assert.Contains(WorkflowManifests.IssueRefund, packet.Text, StringComparison.Ordinal);
        Assert.Contains("\"order_id\": \"A-1001\"", packet.Text, StringComparison.Ordinal);
        Assert.Contains("refund above 50 USD", packet.Text, StringComparison.Ordinal);
        // The run made no tool or model call before it asked: the collector (read as alice) says so.
        Assert.Contains($"the collector has no earlier calls of run {waiting}", packet.Text, StringComparison.Ordinal);
        Assert.True(TabsTo(browser, "Approve", 40), "the Approve button is not reachable with the Tab key");
        Screenshot(browser, "03-approvals-inbox");
        packet.FindElement(By.CssSelector("input[name=comment]")).SendKeys("order checked in the console");
        packet.FindElement(By.CssSelector("button.approve")).Click();
        var notice = browser.FindElement(By.CssSelector("p.notice"));
        Assert.Contains($"{approval} approved by {Alice} (1/1 {Alice}:approve)", notice.Text, StringComparison.Ordinal);
        Screenshot(browser, "04-approval-decided");
        var decided = await ApprovalRequests.WaitForDecisionAsync(Admin, ns, approval, ApprovalDecision.Approved);
        var verdict = Assert.Single(decided.Status!.Approvals!);
        Assert.Equal((Alice, ApproverVerdict.Approve, "order checked in the console"), (verdict.User, verdict.Verdict, verdict.Comment));

        // Runs, a trace and audit verification: what the gateway shipped, answered by the collector for alice's own token.
        await browser.Navigate().GoToUrlAsync(new Uri(console.Address, "/runs").ToString());
        var runs = browser.FindElement(By.Id("runs"));
        Assert.Contains("success", runs.FindElement(By.LinkText(finished)).FindElement(By.XPath("./ancestor::tr")).Text, StringComparison.Ordinal);
        Assert.Contains(waiting, runs.Text, StringComparison.Ordinal);
        Screenshot(browser, "05-runs");

        // The same runs through the plugin, as alice, from the same collector: a table, and -o json with the outcome filter.
        var table = await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf(Alice), "runs", Workflow, "-n", ns, "--collector", collector.Address.ToString());
        output.WriteLine(table);
        Assert.StartsWith("RUN", table, StringComparison.Ordinal);
        Assert.Contains("success", table.Split('\n').Single(l => l.StartsWith(finished, StringComparison.Ordinal)), StringComparison.Ordinal);
        var json = System.Text.Json.Nodes.JsonNode.Parse(await KubectlAgentsPlugin.SucceedAsync(
            cluster.KubeconfigOf(Alice), "runs", Workflow, "-n", ns, "--collector", collector.Address.ToString(), "--outcome", "success", "-o", "json"))!;
        Assert.Equal([finished], json["items"]!.AsArray().Select(r => (string?)r!["runId"]));
        runs.FindElement(By.LinkText(finished)).Click();
        // The run made no tool or model call, so its trace table has no decision rows; its summary comes from the run record.
        Assert.Empty(browser.FindElements(By.CssSelector("#trace tbody tr")));
        Assert.Contains("success", browser.FindElement(By.Id("run-summary")).Text, StringComparison.Ordinal);
        Screenshot(browser, "06-run-trace");
        await browser.Navigate().GoToUrlAsync(new Uri(console.Address, $"/audit/{ns}/{Workflow}").ToString());
        Assert.Contains("Intact: 1 chain(s)", browser.FindElement(By.CssSelector("p.notice")).Text, StringComparison.Ordinal);
        Screenshot(browser, "07-audit-verification");

        // The kill switch: a confirmation first, filled in with the keyboard; refused while alice may not patch workflows.
        await browser.Navigate().GoToUrlAsync(new Uri(console.Address, $"/workflows/{ns}/{Workflow}").ToString());
        browser.FindElement(By.Id("kill-link")).Click();
        Screenshot(browser, "08-kill-switch-confirmation");
        ConfirmKill(browser, "wrong-name");
        Assert.Contains("does not match", browser.FindElement(By.CssSelector("p.notice")).Text, StringComparison.Ordinal);
        ConfirmKill(browser, Workflow);
        Assert.Contains("Forbidden", browser.FindElement(By.CssSelector("p.notice")).Text, StringComparison.Ordinal);
        Assert.False((await WorkflowManifests.GetAsync(Admin, ns, Workflow)).Metadata.Annotations?.ContainsKey(AgentWorkflowAnnotations.KillSwitch) == true);

        await Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "alice-edits" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "agentoperator-editor" },
            Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = Alice }],
        }, ns);
        await browser.Navigate().GoToUrlAsync(new Uri(console.Address, $"/workflows/{ns}/{Workflow}/kill").ToString());
        ConfirmKill(browser, Workflow);
        Assert.Contains("Kill switch engaged", browser.FindElement(By.CssSelector("p.notice")).Text, StringComparison.Ordinal);
        Screenshot(browser, "09-kill-switch-engaged");
        var killed = (await WorkflowManifests.GetAsync(Admin, ns, Workflow)).Metadata.Annotations[AgentWorkflowAnnotations.KillSwitch];
        Assert.StartsWith($"{Alice} at ", killed, StringComparison.Ordinal);
        Assert.EndsWith(": refunds look wrong", killed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_shows_a_run_call_by_call_and_audit_verify_exits_1_at_the_first_tampered_record()
    {
        var ns = await cluster.CreateNamespaceAsync("plugin-trace");
        await WorkflowManifests.ApplyToolsAsync(Admin, ns);
        _started.Add(await OperatorInstance.StartAsync(cluster.OperatorConfiguration));
        var stable = (await WorkflowScenario.CreateReadyAsync(Admin, ns, Workflow)).Status!.StableRevision!;
        await ApprovalRequests.BindApproverAsync(Admin, ns, Alice);
        await BindViewerAsync(ns, Alice);
        var (collector, store) = await StartCollectorAsync();
        var (approvals, _) = await ApprovalRequests.GatewayClientAsync(cluster, ns, Workflow, stable);
        var agent = await StartGatewayAsync(ns, stable, collector.Address, approvals);
        var url = collector.Address.ToString();

        // A run as the refund agent makes it: the refund escalates, a model call names an undeclared role, alice approves
        // with the plugin, the approved refund executes and its upstream is unreachable, the run ends failed.
        var run = await StartRunAsync(agent);
        string approval;
        using (var refund = new HttpRequestMessage(HttpMethod.Post, $"/v1/runs/{run}/tools/{WorkflowManifests.IssueRefund}"))
        {
            refund.Headers.Add(ActionPacket.IntentHeader, ActionPacket.Encode("refund order A-1001"));
            refund.Headers.Add(ActionPacket.ReasonHeader, ActionPacket.Encode("the parcel arrived damaged"));
            refund.Content = JsonContent.Create(new { order_id = "A-1001", amount_usd = 20 });
            using var escalated = await agent.SendAsync(refund);
            Assert.Equal(HttpStatusCode.Accepted, escalated.StatusCode);
            approval = (await escalated.Content.ReadFromJsonAsync<JsonObject>())!["approvalId"]!.GetValue<string>();
        }

        using (var model = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions"))
        {
            model.Headers.Add("X-Agent-Run", run);
            model.Headers.Add("X-Agent-Role", "executor");
            model.Content = JsonContent.Create(new { model = "gpt-4o-2024-08-06", messages = new[] { new { role = "user", content = "draft the reply" } } });
            using var refused = await agent.SendAsync(model);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf(Alice), "approve", approval, "-n", ns, "--comment", "order checked");
        await ApprovalRequests.WaitForDecisionAsync(Admin, ns, approval, ApprovalDecision.Approved);
        using (var retry = new HttpRequestMessage(HttpMethod.Post, $"/v1/runs/{run}/tools/{WorkflowManifests.IssueRefund}"))
        {
            retry.Headers.Add("X-Approval-Id", approval);
            retry.Content = JsonContent.Create(new { order_id = "A-1001", amount_usd = 20 });
            using var executed = await agent.SendAsync(retry);
            Assert.Equal(HttpStatusCode.BadGateway, executed.StatusCode);
        }

        using (var completed = await agent.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "failed" }))
        {
            completed.EnsureSuccessStatusCode();
        }

        // trace -o json: the run record the collector serves to alice, once the gateway has shipped the completion.
        JsonNode? traced = null;
        KubectlResult? last = null;
        await Within.TrueAsync(async () =>
        {
            last = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf(Alice), "trace", run, "-n", ns, "--workflow", Workflow, "--collector", url, "-o", "json");
            traced = last.ExitCode == 0 ? JsonNode.Parse(last.Output) : null;
            return (string?)traced?["outcome"] == "failed";
        }, () => $"the collector serves run {run} completed; last trace: {last}", TimeSpan.FromSeconds(30));
        var decisions = traced!["decisions"]!.AsArray();
        Assert.Equal([("tool.call", "escalate"), ("model.call", "deny"), ("tool.call", "error")], decisions.Select(d => ((string)d!["kind"]!, (string)d["decision"]!)));
        Assert.Equal(approval, (string?)decisions[0]!["approvalId"]);
        Assert.Equal(("refund order A-1001", "the parcel arrived damaged"), ((string?)decisions[0]!["agentIntent"], (string?)decisions[0]!["agentReason"]));
        Assert.Equal("model-role", (string?)decisions[1]!["rule"]);
        Assert.All(decisions, d => Assert.True(d!["durationMs"]!.GetValue<double>() >= 0));
        Assert.Equal([Alice], traced["approvals"]!.AsArray().Single()!["approvers"]!.AsArray().Select(a => (string?)a));

        // The table, without --workflow: the plugin finds the run's workflow in the namespace.
        var screen = await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf(Alice), "trace", run, "-n", ns, "--collector", url);
        output.WriteLine(screen);
        Assert.StartsWith($"Run:        {run}\n", screen, StringComparison.Ordinal);
        Assert.Contains($"Workflow:   {ns}/{Workflow} (revision {stable}", screen, StringComparison.Ordinal);
        Assert.Contains(", outcome failed", screen, StringComparison.Ordinal);
        var calls = screen[screen.IndexOf("SEQ ", StringComparison.Ordinal)..screen.IndexOf("\n\nApprovals:", StringComparison.Ordinal)];
        var modelRow = KubectlAgentsPlugin.Row(calls, (string)decisions[1]!["sequence"]!.ToString());
        Assert.Equal(("model gpt-4o-2024-08-06 (executor)", "deny", "model-role", "403"), (modelRow["CALL"], modelRow["DECISION"], modelRow["RULE"], modelRow["STATUS"]));
        Assert.Matches(@"^\d+(\.\d)?ms$", modelRow["LATENCY"]);
        var refundRow = KubectlAgentsPlugin.Row(calls, (string)decisions[0]!["sequence"]!.ToString());
        Assert.Equal(("escalate", "refund order A-1001, because the parcel arrived damaged"), (refundRow["DECISION"], refundRow["AGENT INTENT"]));
        Assert.Equal("-", modelRow["AGENT INTENT"]);
        Assert.Contains($"{approval} requested for {WorkflowManifests.IssueRefund}", screen, StringComparison.Ordinal);
        Assert.Contains($"{approval} for {WorkflowManifests.IssueRefund} approved by {Alice}", screen, StringComparison.Ordinal);
        Assert.Contains("Total:      3 call(s) decided, 0 executed (0 tool call(s)), 0 token(s), cost 0 USD", screen, StringComparison.Ordinal);
        var missing = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf(Alice), "trace", "no-such-run", "-n", ns, "--collector", url);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no workflow in namespace " + ns + " has a stored run 'no-such-run'", missing.Error, StringComparison.Ordinal);

        // audit verify: intact, as a table and as JSON, once the collector has signed a checkpoint over every record.
        var verification = "";
        await Within.TrueAsync(async () =>
        {
            verification = await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf(Alice), "audit", "verify", Workflow, "-n", ns, "--collector", url, "-o", "json");
            var json = JsonNode.Parse(verification)!;
            var chain = json["chains"]!.AsArray().Single()!;
            return json["intact"]!.GetValue<bool>() && chain["verified"]!.GetValue<bool>() && chain["anchorSequence"]?.GetValue<long>() == chain["headSequence"]!.GetValue<long>();
        }, () => $"every record of the chain anchored by a signed checkpoint; last: {verification}", TimeSpan.FromSeconds(30));
        var intact = await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf(Alice), "audit", "verify", Workflow, "-n", ns, "--collector", url, "--since", "1h");
        output.WriteLine(intact);
        var chainId = intact.Split('\n')[1].Split(' ')[0];
        Assert.StartsWith($"{ns}/{Workflow}-{stable}-", chainId, StringComparison.Ordinal);
        var chainRow = KubectlAgentsPlugin.Row(intact, chainId);
        Assert.Equal((stable, "intact"), (chainRow["REVISION"], chainRow["RESULT"]));
        Assert.StartsWith(chainRow["HEAD"] + " sha256:", chainRow["ANCHOR"], StringComparison.Ordinal);
        Assert.Contains("Intact: 1 chain(s), " + chainRow["RECORDS"] + " records verified", intact, StringComparison.Ordinal);

        // A window the chain was not written in: listed, not verified, and said so.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idle = await KubectlAgentsPlugin.SucceedAsync(cluster.KubeconfigOf(Alice), "audit", "verify", Workflow, "-n", ns, "--collector", url, "--since", "1s");
        Assert.Equal(("-", "not verified: nothing written in the last 1s"), (KubectlAgentsPlugin.Row(idle, chainId)["RECORDS"], KubectlAgentsPlugin.Row(idle, chainId)["RESULT"]));
        Assert.Contains("1 chain(s) with nothing written in the last 1s not verified", idle, StringComparison.Ordinal);

        // Someone with access to the store turns the refused model call into an allowed one: verification names where.
        var segment = Directory.EnumerateFiles(store, "segment-*.jsonl", SearchOption.AllDirectories).Single();
        var lines = await File.ReadAllLinesAsync(segment);
        var edited = Array.FindIndex(lines, l => l.Contains("\"rule\":\"model-role\"", StringComparison.Ordinal));
        Assert.True(edited >= 0, "the model-role refusal is in the stored segment");
        lines[edited] = lines[edited].Replace("\"decision\":\"deny\"", "\"decision\":\"allow\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(segment, lines);
        var tampered = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf(Alice), "audit", "verify", Workflow, "-n", ns, "--collector", url);
        output.WriteLine(tampered.Output + tampered.Error);
        Assert.Equal(1, tampered.ExitCode);
        Assert.StartsWith("TAMPERED at ", KubectlAgentsPlugin.Row(tampered.Output, chainId)["RESULT"], StringComparison.Ordinal);
        Assert.Contains($"error: TAMPERED: chain {ns}/", tampered.Error, StringComparison.Ordinal);
        Assert.Contains($"line {edited + 1}", tampered.Error, StringComparison.Ordinal);
        var report = JsonNode.Parse((await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf(Alice), "audit", "verify", Workflow, "-n", ns, "--collector", url, "-o", "json")).Output)!;
        Assert.False(report["intact"]!.GetValue<bool>());
        Assert.NotNull((string?)report["chains"]![0]!["problem"]);
    }

    [Fact]
    public async Task The_console_refuses_foreign_hosts_and_posts_without_this_sessions_token_or_from_another_origin_and_encodes_what_it_shows()
    {
        var ns = await cluster.CreateNamespaceAsync("console-guard");
        await WorkflowManifests.ApplyToolsAsync(Admin, ns);
        _started.Add(await OperatorInstance.StartAsync(cluster.OperatorConfiguration));
        var ready = await WorkflowScenario.CreateReadyAsync(Admin, ns, Workflow);
        await ApprovalRequests.BindApproverAsync(Admin, ns, Alice);
        var (gateway, _) = await ApprovalRequests.GatewayClientAsync(cluster, ns, Workflow, ready.Status!.StableRevision!);
        var approval = await ApprovalRequests.CreateAsync(gateway, Admin, ns, Workflow, ready.Status.StableRevision!, tier: 3, approvalsRequired: 1);
        await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "kill", Workflow, "-n", ns, "--reason", "<script>alert('x')</script>");
        var console = await StartConsoleAsync(cluster.KubeconfigOf(Alice), "-n", ns);
        using var http = new HttpClient { BaseAddress = console.Address };

        // DNS rebinding: a name that resolves to 127.0.0.1 is still not this console's Host.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/");
        rebound.Headers.Host = $"attacker.example:{console.Address.Port}";
        using var refused = await http.SendAsync(rebound);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var page = await http.GetStringAsync("/approvals");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"csrf\" value=\"([0-9a-f]{64})\"").Groups[1].Value;
        Assert.NotEmpty(token);
        var path = $"/approvals/{ns}/{approval}/approve";

        using var noToken = await http.PostAsync(path, new FormUrlEncodedContent([new("comment", "csrf")]));
        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
        Assert.Contains("csrf token is missing", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("csrf", token)]) };
        crossSite.Headers.Add("Origin", "http://attacker.example");
        using var crossSiteAnswer = await http.SendAsync(crossSite);
        Assert.Equal(HttpStatusCode.Forbidden, crossSiteAnswer.StatusCode);
        Assert.Empty((await ApprovalRequests.ReadAsync(Admin, ns, approval)).Status!.Approvals!);

        // A bad name in the path is a 400 naming it, not a call to the API server.
        using var badName = await http.GetAsync($"/workflows/{ns}/Not_A_Name");
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Contains("workflow &#39;Not_A_Name&#39; is not a Kubernetes object name", await badName.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // What the cluster holds is shown encoded, and the page never carries the kubeconfig's credentials.
        var workflowPage = await http.GetStringAsync($"/workflows/{ns}/{Workflow}");
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", workflowPage, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", workflowPage, StringComparison.Ordinal);
        Assert.DoesNotContain("-token-", workflowPage + page, StringComparison.Ordinal);

        // With this session's token and our own origin the same post decides, in alice's name.
        using var ours = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("csrf", token), new("comment", "ok")]) };
        ours.Headers.Add("Origin", $"http://127.0.0.1:{console.Address.Port}");
        using var decided = await http.SendAsync(ours);
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.Equal(Alice, Assert.Single((await ApprovalRequests.ReadAsync(Admin, ns, approval)).Status!.Approvals!).User);

        // Already decided: the console says so with a 409, as the plugin refuses before writing.
        using var again = new HttpRequestMessage(HttpMethod.Post, $"/approvals/{ns}/{approval}/deny") { Content = new FormUrlEncodedContent([new("csrf", token)]) };
        using var againAnswer = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.Conflict, againAnswer.StatusCode);
    }

    [Fact]
    public async Task The_console_serves_only_loopback_addresses()
    {
        var result = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf(Alice), "console", "--address", "0.0.0.0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--address 0.0.0.0 is not a loopback address", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A workflow with two rollouts the operator ran: one promoted through steps 20 % and 50 %, one aborted. Returns the stable revision.</summary>
    private async Task<string> RolloutsAsync(string ns)
    {
        await WorkflowManifests.ApplyToolsAsync(Admin, ns);
        _started.Add(await OperatorInstance.StartAsync(cluster.OperatorConfiguration));
        var quick = new RolloutSpec { Steps = [new RolloutStep { Weight = 20, PauseSeconds = 1 }, new RolloutStep { Weight = 50, PauseSeconds = 1 }] };
        var first = (await WorkflowScenario.CreateReadyAsync(Admin, ns, Workflow, WorkflowManifests.Spec() with { Rollout = quick })).Status!.StableRevision;
        await WorkflowManifests.PatchSpecAsync(Admin, ns, Workflow, WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:2.0.0") with { Rollout = quick });
        var promoted = await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.StableRevision != first && w.Status?.CanaryRevision is null,
            "the 2.0.0 canary promoted through its steps", TimeSpan.FromSeconds(60));
        var held = new RolloutSpec { Steps = [new RolloutStep { Weight = 20, PauseSeconds = 3600 }] };
        await WorkflowManifests.PatchSpecAsync(Admin, ns, Workflow, WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:3.0.0") with { Rollout = held });
        await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.CanaryRevision is not null && w.Status.CurrentStep is not null, "the 3.0.0 canary at its first step");
        await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "abort", Workflow, "-n", ns);
        await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.History?.Any(h => h.Outcome == RevisionOutcome.Aborted) == true && w.Status.CanaryRevision is null,
            "the 3.0.0 canary aborted", TimeSpan.FromSeconds(30));
        return promoted.Status!.StableRevision!;
    }

    /// <summary>Reading the workflow and its Events, as the shipped agentoperator-viewer ClusterRole grants.</summary>
    private async Task BindViewerAsync(string ns, string user) =>
        await Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = $"{user}-views" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "agentoperator-viewer" },
            Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = user }],
        }, ns);

    /// <summary>
    /// The real gateway of revision <paramref name="revision"/>, as its pod runs it: the bundle the operator compiled into
    /// its ConfigMap, shipping its audit to the collector with a token of the revision's ServiceAccount bound to one of its pods.
    /// </summary>
    private async Task<HttpClient> StartGatewayAsync(string ns, string revision, Uri collector, IKubernetes? approvals = null)
    {
        var child = ChildNames.RevisionObject(Workflow, revision);
        V1Pod? pod = null;
        await Eventually.TrueAsync(async () => (pod = (await Admin.CoreV1.ListNamespacedPodAsync(ns)).Items.FirstOrDefault(p => p.Spec.ServiceAccountName == child)) is not null,
            $"a pod of revision {revision}", TimeSpan.FromSeconds(15));
        var token = await Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = [AuditCollectorApi.Audience],
                ExpirationSeconds = 3600,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod!.Metadata.Name, Uid = pod.Metadata.Uid },
            },
        }, child, ns);
        var directory = Directory.CreateTempSubdirectory("console-gateway-").FullName;
        var bundlePath = Path.Combine(directory, "bundle.json");
        await File.WriteAllTextAsync(bundlePath, (await Admin.CoreV1.ReadNamespacedConfigMapAsync(child, ns)).Data[BundleConfigMapBuilder.BundleKey]);
        var tokenPath = Path.Combine(directory, "audit-token");
        await File.WriteAllTextAsync(tokenPath, token.Status.Token);
        var gateway = await GatewayHost.StartAsync(new GatewayOptions
        {
            BundlePath = bundlePath,
            AuditPath = Path.Combine(directory, "audit.jsonl"),
            AuditCollector = collector,
            AuditTokenPath = tokenPath,
            MetricsBindAddress = "127.0.0.1",
            SecretsRoot = Path.Combine(directory, "secrets"),
            TokensRoot = Path.Combine(directory, "tokens"),
        }, approvals, loggerFactory: NullLoggerFactory.Instance);
        _started.Add(gateway);
        return new HttpClient { BaseAddress = gateway.AgentAddress };
    }

    private static async Task<string> StartRunAsync(HttpClient agent)
    {
        using var started = await agent.PostAsJsonAsync("/v1/runs", new { task = "refund order A-1001" });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        return (await started.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
    }

    /// <summary>The real collector, as config/collector's ServiceAccount with its ClusterRole (TokenReview, SubjectAccessReview), and its data directory.</summary>
    private async Task<(RunningCollector Collector, string Store)> StartCollectorAsync()
    {
        var applier = new ManifestApplier(Admin, TimeProvider.System);
        var identity = (await ManifestFiles.ReadDirectoryAsync(Path.Combine(DevModeExamples.Repository.Root, "config", "collector"), CancellationToken.None))
            .Where(m => m.Kind is "ServiceAccount" or "ClusterRole" or "ClusterRoleBinding");
        foreach (var manifest in identity)
        {
            await applier.ApplyAsync(manifest, CancellationToken.None);
        }

        var token = (await Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, "agentoperator-audit-collector", "agentoperator-system")).Status.Token;
        var store = Directory.CreateTempSubdirectory("console-collector").FullName;
        var collector = await CollectorHost.StartAsync(
            new CollectorOptions { DataDirectory = Path.Combine(store, "data"), SigningKeyPath = Path.Combine(store, "key.pem"), Port = 0, BindAddress = "127.0.0.1", ForwardTo = () => Stream.Null },
            new Kubernetes(cluster.Server.CreateClientConfiguration(token)));
        _started.Add(collector);
        return (collector, Path.Combine(store, "data"));
    }

    private async Task<ConsoleProcess> StartConsoleAsync(string kubeconfig, params string[] args)
    {
        var console = await ConsoleProcess.StartAsync(kubeconfig, args);
        _started.Add(console);
        output.WriteLine($"console at {console.Address}");
        return console;
    }

    private void Screenshot(IWebDriver browser, string name) => output.WriteLine($"screenshot: {HeadlessChromium.Screenshot(browser, name)}");

    /// <summary>Fills the kill switch's confirmation with the keyboard only and submits it with Enter.</summary>
    private static void ConfirmKill(ChromeDriver browser, string typedName)
    {
        var reason = browser.FindElement(By.Id("reason"));
        reason.Clear();
        reason.SendKeys("refunds look wrong");
        reason.SendKeys(Keys.Tab);
        var confirm = browser.SwitchTo().ActiveElement();
        Assert.Equal("confirm", confirm.GetAttribute("id"));
        confirm.SendKeys(typedName + Keys.Enter);
    }

    /// <summary>Presses Tab from the top of the page until the focused element reads <paramref name="text"/>.</summary>
    private static bool TabsTo(ChromeDriver browser, string text, int most)
    {
        browser.FindElement(By.TagName("body")).Click();
        for (var i = 0; i < most; i++)
        {
            new OpenQA.Selenium.Interactions.Actions(browser).SendKeys(Keys.Tab).Perform();
            if (browser.SwitchTo().ActiveElement().Text == text)
            {
                return true;
            }
        }

        return false;
    }
}
