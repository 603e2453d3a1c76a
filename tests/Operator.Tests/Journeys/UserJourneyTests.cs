using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AgentOperator.Contracts;
using AgentOperator.DevMode;
using AgentOperator.Operator.Tests.Contracts;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Notifications;
using AgentOperator.Operator.Tests.Plugin;
using AgentOperator.Policy.Decisions;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Journeys;

/// <summary>
/// What users do, through the real kubectl and the kubectl-agents plugin, against dev mode as shipped: install, runs measured,
/// a refund approved by a human with kubectl (its audit trail verified by a viewer) and one in the console's browser inbox, notifications to a local receiver, rollout undo, the kill switch, a canary promoted and one rolled back, one paused and promoted with kubectl agents, credentials revoked,
/// and deleting a workflow (last: it is destructive).
/// Each journey asserts what kubectl shows and puts kubectl's output in its failure messages.
/// </summary>
[Collection(NodeLanes.DevMode)]
[TestCaseOrderer(JourneyOrderer.TypeName, JourneyOrderer.AssemblyName)]
public sealed partial class UserJourneyTests(DevModeJourneyFixture devMode, ITestOutputHelper output) : IClassFixture<DevModeJourneyFixture>
{
    private const string Support = "support";
    private const string System = "agentoperator-system";
    private const int GatewayMetricsPort = 15090;
    // WorkflowReasons.KillSwitchEngaged, internal to the operator.
    private const string KillSwitchEngagedReason = "KillSwitchEngaged";
    private static readonly TimeSpan RunsBound = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CanaryBound = TimeSpan.FromSeconds(240);

    private string Admin => devMode.Kubeconfig;

    [Fact]
    [Journey(Step = 1)]
    public async Task Install_runs_two_operator_pods_and_the_collector_with_logs_exec_and_both_examples_Ready()
    {
        output.WriteLine($"both examples Ready {devMode.TimeToReady.TotalSeconds:0.0} s after the dev mode program started");

        var pods = await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "pods", "-n", System),
            r => Rows(r.Output).Count(p => p.Name.StartsWith("agent-operator-", StringComparison.Ordinal) && p.IsRunningAndReady) == 2
                && Rows(r.Output).Count(p => p.Name.StartsWith("agentoperator-audit-collector-", StringComparison.Ordinal) && p.IsRunningAndReady) == 1,
            TimeSpan.FromSeconds(60), r => $"expected 2 agent-operator pods and 1 audit collector pod Running and Ready in `kubectl get pods -n {System}`:\n{r.Output}{r.Error}");
        output.WriteLine(pods.Output);

        var log = await Kubectl.RunAsync(Admin, "logs", "-n", System, "deploy/agent-operator");
        Assert.True(log.Contains("AgentOperator", StringComparison.Ordinal) || log.Contains("agentoperator", StringComparison.OrdinalIgnoreCase),
            $"`kubectl logs -n {System} deploy/agent-operator` shows no operator log:\n{log}");
        output.WriteLine($"kubectl logs deploy/agent-operator: {log.Split('\n').Length} lines");

        // The chiseled image has dotnet and no shell: exec runs dotnet itself.
        var runtimes = await Kubectl.RunAsync(Admin, "exec", "deploy/agent-operator", "-n", System, "--", "dotnet", "--list-runtimes");
        Assert.Contains("Microsoft.NETCore.App", runtimes, StringComparison.Ordinal);

        var workflows = await Kubectl.RunAsync(Admin, "get", "aw", "-n", Support);
        foreach (var name in (string[])["support-refund", "support-triage"])
        {
            var row = KubectlAgentsPlugin.Row(workflows, name);
            Assert.True(row.TryGetValue("PHASE", out var phase) && phase == "Ready", $"`kubectl get aw -n {Support}` does not show {name} Ready:\n{workflows}");
        }
    }

    [Fact]
    [Journey(Step = 2)]
    public async Task Runs_complete_and_the_gateway_metrics_count_successes_through_port_forward()
    {
        var pod = await FirstPodAsync("support-triage");
        await using var forward = await KubectlPortForward.StartAsync(Admin, Support, "pod/" + pod, GatewayMetricsPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        var metrics = await JourneyWait.UntilAsync(() => ScrapeAsync(http, forward),
            m => m.Samples.Sum(AgentMetrics.Runs, ("workflow", "support-triage"), ("outcome", RunOutcomes.Success)) > 0, RunsBound,
            m => $"no agent_runs_total{{outcome=\"success\"}} > 0 on pod {pod}'s /metrics through kubectl port-forward :{forward.LocalPort}:\n{m.Text}\n{forward.Log}");
        output.WriteLine($"{pod}: agent_runs_total success {metrics.Samples.Sum(AgentMetrics.Runs, ("outcome", RunOutcomes.Success))}, all outcomes {metrics.Samples.Sum(AgentMetrics.Runs)} ({clock.Elapsed.TotalSeconds:0.0} s of waiting)");

        // The collector's runs, read through its Service as the plugin's help tells a user to.
        await using var collector = await KubectlPortForward.StartAsync(Admin, System, "svc/agentoperator-audit-collector", 8080);
        var url = $"http://127.0.0.1:{collector.LocalPort}";
        var runs = await JourneyWait.UntilAsync(() => KubectlAgentsPlugin.RunAsync(Admin, "runs", "support-triage", "-n", Support, "--collector", url),
            r => r.ExitCode == 0 && RunRows(r.Output) > 0, RunsBound,
            r => $"`kubectl agents runs support-triage -n {Support} --collector {url}` listed no runs (exit {r.ExitCode}):\n{r.Output}{r.Error}\n{collector.Log}");
        output.WriteLine($"kubectl agents runs support-triage: {RunRows(runs.Output)} runs\n{string.Join('\n', runs.Output.Split('\n').Take(4))}");
    }

    [Fact]
    [Journey(Step = 3)]
    public async Task A_refund_waits_until_a_bound_approver_approves_it_with_kubectl_and_executes_once()
    {
        var alice = await ServiceAccountKubeconfigAsync("alice", "agentoperator-approver");

        // The admin is not the approver: alice's identity, through her own kubeconfig, is what the verdict names.
        var whoami = await Kubectl.RunAsync(alice, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
        Assert.Equal("system:serviceaccount:support:alice", whoami);

        var clock = Stopwatch.StartNew();
        var pending = await JourneyWait.UntilAsync(() => KubectlAgentsPlugin.RunAsync(alice, "approvals", "-n", Support),
            r => r.ExitCode == 0 && NewestPendingRefund(r.Output) is not null, RunsBound,
            r => $"`kubectl agents approvals -n {Support}` as alice shows no pending payments.issue_refund of support-refund (exit {r.ExitCode}):\n{r.Output}{r.Error}");
        var approval = NewestPendingRefund(pending.Output)!;
        output.WriteLine($"pending refund approval {approval} seen after {clock.Elapsed.TotalSeconds:0.0} s");

        var decided = Stopwatch.StartNew();
        var approved = await KubectlAgentsPlugin.SucceedAsync(alice, "approve", approval, "-n", Support, "--comment", "journey: damaged parcel, refund ok");
        Assert.Contains($"{approval} approved by system:serviceaccount:support:alice", approved, StringComparison.Ordinal);

        // What kubectl get shows: the decision, the approver, and that the gateway executed the call (once: executedAt is set once).
        var status = await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "agentapprovals", approval, "-n", Support,
                "-o", "jsonpath={.status.decision}|{.status.approvers}|{.status.executedAt}|{.spec.runId}"),
            r => r.ExitCode == 0 && r.Output.Split('|') is [ "Approved", _, { Length: > 0 }, _ ], RunsBound,
            async r => $"approval {approval} not Approved and executed (decision|approvers|executedAt|runId = {r.Output}){r.Error}\n{(await Kubectl.TryRunAsync(Admin, "get", "agentapprovals", approval, "-n", Support, "-o", "yaml")).Output}");
        var fields = status.Output.Split('|');
        var (approvers, executedAt, run) = (fields[1], fields[2], fields[3]);
        Assert.Equal("system:serviceaccount:support:alice", approvers);
        output.WriteLine($"approval round trip (approve to executedAt seen): {decided.Elapsed.TotalSeconds:0.0} s; executedAt {executedAt}, run {run}");

        var table = await Kubectl.RunAsync(Admin, "get", "agentapprovals", "-n", Support);
        Assert.Contains(approval, table, StringComparison.Ordinal);
        output.WriteLine(table.Split('\n').First(l => l.StartsWith("NAME", StringComparison.Ordinal)) + "\n" + table.Split('\n').First(l => l.StartsWith(approval, StringComparison.Ordinal)));

        // A second approval by the same user is refused: the decision is final.
        var again = await KubectlAgentsPlugin.RunAsync(alice, "approve", approval, "-n", Support);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("already Approved", again.Error, StringComparison.Ordinal);

        // The run's trace from the collector shows the refund call once.
        await using var collector = await KubectlPortForward.StartAsync(Admin, System, "svc/agentoperator-audit-collector", 8080);
        var url = $"http://127.0.0.1:{collector.LocalPort}";
        var trace = await JourneyWait.UntilAsync(() => KubectlAgentsPlugin.RunAsync(Admin, "trace", run, "-n", Support, "--workflow", "support-refund", "--collector", url),
            r => r.ExitCode == 0 && ExecutedRefunds(r.Output) > 0, RunsBound,
            r => $"`kubectl agents trace {run}` shows no executed payments.issue_refund (exit {r.ExitCode}):\n{r.Output}{r.Error}");
        output.WriteLine($"kubectl agents trace {run}:\n{trace.Output}");
        Assert.True(ExecutedRefunds(trace.Output) == 1, $"the refund of run {run} executed {ExecutedRefunds(trace.Output)} times:\n{trace.Output}");

        // A security reviewer bound only to agentoperator-viewer checks that nobody edited the trail, as the README shows.
        var auditor = await ServiceAccountKubeconfigAsync("auditor", "agentoperator-viewer");
        var verify = await KubectlAgentsPlugin.RunAsync(auditor, "audit", "verify", "support-refund", "-n", Support, "--collector", url, "--since", "24h");
        var intact = IntactChains().Match(verify.Output);
        Assert.True(verify.ExitCode == 0 && intact.Success && int.Parse(intact.Groups[1].Value, CultureInfo.InvariantCulture) > 0,
            $"`kubectl agents audit verify support-refund -n {Support} --collector {url}` as the auditor did not find intact chains (exit {verify.ExitCode}):\n{verify.Output}{verify.Error}");
        output.WriteLine($"kubectl agents audit verify support-refund (as auditor):\n{verify.Output}");
    }

    [Fact]
    [Journey(Step = 4)]
    public async Task An_approver_decides_a_refund_in_the_console_in_a_browser_and_reads_its_trace_and_audit_there()
    {
        // bob approves in finance: the approver and viewer ClusterRoles of config/rbac, his own token, no terminal beyond starting the console.
        var bob = await ServiceAccountKubeconfigAsync("bob", "agentoperator-approver", "agentoperator-viewer");
        const string Bob = "system:serviceaccount:support:bob";
        await using var collector = await KubectlPortForward.StartAsync(Admin, System, "svc/agentoperator-audit-collector", 8080);
        await using var console = await ConsoleProcess.StartAsync(bob, "-n", Support, "--collector", $"http://127.0.0.1:{collector.LocalPort}");
        output.WriteLine($"kubectl agents console -n {Support} --collector http://127.0.0.1:{collector.LocalPort} as {Bob}: {console.Address}");
        using var browser = HeadlessChromium.Start();
        browser.Manage().Timeouts().ImplicitWait = TimeSpan.FromSeconds(10);

        // The overview: both examples, Ready, and refunds waiting.
        await browser.Navigate().GoToUrlAsync(console.Address.ToString());
        var workflows = browser.FindElement(By.Id("workflows"));
        foreach (var name in (string[])["support-refund", "support-triage"])
        {
            Assert.Contains("Ready", workflows.FindElement(By.LinkText(name)).FindElement(By.XPath("./ancestor::tr")).Text, StringComparison.Ordinal);
        }

        Screenshot(browser, "dev-mode-01-workflows");

        // The inbox: the newest refund's packet, once the collector holds the calls the run made before it asked.
        var approval = NewestPendingRefund((await KubectlAgentsPlugin.SucceedAsync(bob, "approvals", "-n", Support)))
            ?? throw new InvalidOperationException("no pending payments.issue_refund approval of support-refund for bob");
        var clock = Stopwatch.StartNew();
        var evidence = await JourneyWait.UntilAsync(async () =>
            {
                await browser.Navigate().GoToUrlAsync(new Uri(console.Address, "/approvals").ToString());
                return browser.FindElement(By.Id($"approval-{approval}")).Text;
            },
            packet => packet.Contains("crm.read_ticket", StringComparison.Ordinal), RunsBound,
            packet => $"the console's packet of {approval} shows no evidence of the run's earlier crm.read_ticket call:\n{packet}");
        output.WriteLine($"packet of {approval} with the run's earlier calls after {clock.Elapsed.TotalSeconds:0.0} s:\n{evidence}");
        Assert.Contains("payments.issue_refund (create) for support-refund", evidence, StringComparison.Ordinal);
        Assert.Contains("\"order_id\": \"ORD-20931177\"", evidence, StringComparison.Ordinal);
        Assert.Contains("orders.get_status", evidence, StringComparison.Ordinal);
        Screenshot(browser, "dev-mode-02-approvals-inbox");

        var packet = browser.FindElement(By.Id($"approval-{approval}"));
        packet.FindElement(By.CssSelector("input[name=comment]")).SendKeys("approved in the console");
        var clicked = DateTimeOffset.UtcNow;
        packet.FindElement(By.CssSelector("button.approve")).Click();
        Assert.Contains($"{approval} approved by {Bob} (1/1 {Bob}:approve)", browser.FindElement(By.CssSelector("p.notice")).Text, StringComparison.Ordinal);
        Screenshot(browser, "dev-mode-03-approval-decided");

        // What kubectl shows: bob's verdict with his comment, and the refund executed.
        var status = await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "agentapprovals", approval, "-n", Support,
                "-o", "jsonpath={.status.decision}|{.status.approvals[0].user}|{.status.approvals[0].comment}|{.status.executedAt}|{.spec.runId}|{.status.decidedAt}"),
            r => r.ExitCode == 0 && r.Output.Split('|') is ["Approved", _, _, { Length: > 0 }, _, _], RunsBound,
            r => $"approval {approval} not Approved and executed after bob's click (decision|user|comment|executedAt|runId|decidedAt = {r.Output}){r.Error}");
        var fields = status.Output.Split('|');
        Assert.Equal((Bob, "approved in the console"), (fields[1], fields[2]));
        var run = fields[4];
        output.WriteLine($"clicked at {clicked:HH:mm:ss.f}Z; decidedAt {fields[5]}; executedAt {fields[3]} (the agent retries every 2 s)");

        // The run's trace in the console: the refund executed once, with bob as its approver.
        var trace = await JourneyWait.UntilAsync(async () =>
            {
                await browser.Navigate().GoToUrlAsync(new Uri(console.Address, $"/runs/{Support}/support-refund/{run}").ToString());
                return browser.FindElement(By.Id("main")).Text;
            },
            text => text.Contains($"by {Bob}", StringComparison.Ordinal) && ExecutedRefundRows(browser) > 0, RunsBound,
            text => $"the console's trace of run {run} shows no executed refund approved by {Bob}:\n{text}");
        Assert.Equal(1, ExecutedRefundRows(browser));
        output.WriteLine($"trace of run {run} in the console:\n{trace}");
        Screenshot(browser, "dev-mode-04-run-trace");

        // The runs list names the run; audit verification of the workflow's chains, read as bob.
        await browser.Navigate().GoToUrlAsync(new Uri(console.Address, $"/runs?namespace={Support}&workflow=support-refund").ToString());
        Assert.NotNull(browser.FindElement(By.Id("runs")).FindElement(By.LinkText(run)));
        Screenshot(browser, "dev-mode-05-runs");
        await browser.Navigate().GoToUrlAsync(new Uri(console.Address, $"/audit/{Support}/support-refund").ToString());
        var verdict = browser.FindElement(By.CssSelector("p.notice")).Text;
        Assert.StartsWith("Intact: ", verdict, StringComparison.Ordinal);
        output.WriteLine(verdict);
        Screenshot(browser, "dev-mode-06-audit-verification");
    }

    [Fact]
    [Journey(Step = 5)]
    public async Task Notifications_set_up_as_the_README_shows_reach_a_receiver_on_this_machine()
    {
        // The README's receiver listens on every address of this machine; the operator's pod reaches it by the host alias.
        await using var receiver = await WebhookReceiver.StartAsync(IPAddress.Any);
        var path = "/hooks/T0-secret-part";
        var url = $"http://{DevEnvironment.HostAlias}:{receiver.BaseUrl.Port}{path}";
        await Kubectl.RunAsync(Admin, "create", "secret", "generic", "agentoperator-notifications", "-n", Support, $"--from-literal=local={url}");
        await Kubectl.RunAsync(Admin, "create", "configmap", "agentoperator-notifications", "-n", Support, """
            --from-literal=webhooks.yaml=
            - {name: local, format: generic, urlKey: local}
            - {name: local-slack, format: slack, urlKey: local, workflows: [support-refund], events: [ApprovalRequested]}
            """);
        await Kubectl.RunAsync(Admin, "create", "rolebinding", "agentoperator-notifications-secret", "-n", Support,
            "--clusterrole=agentoperator-notifications-secret", "--serviceaccount=agentoperator-system:agent-operator");

        // support-refund asks for approvals all the time: each arrives twice, generic and Slack-shaped, with the command that decides it.
        var requested = await JourneyWait.UntilAsync(() => Task.FromResult(receiver.On(path)),
            r => r.Any(w => Event(w) == "ApprovalRequested") && r.Any(w => w.Body.Contains("\"blocks\"", StringComparison.Ordinal)), RunsBound,
            async r => $"no generic and Slack ApprovalRequested at {url} ({r.Count} received):\n{string.Join('\n', r.Select(w => w.Body))}\n"
                + (await Kubectl.TryRunAsync(Admin, "get", "events", "-n", Support, "--field-selector", "reason=NotificationFailed")).Output);
        var generic = requested.First(w => Event(w) == "ApprovalRequested").Json;
        var approval = generic["approval"]!["name"]!.GetValue<string>();
        Assert.Equal($"kubectl agents approve {approval} -n {Support}", generic["actions"]!["approve"]!.GetValue<string>());
        Assert.DoesNotContain("T0-secret-part", string.Join('\n', requested.Select(w => w.Body)), StringComparison.Ordinal);
        var created = DateTimeOffset.Parse(await Kubectl.RunAsync(Admin, "get", "agentapprovals", approval, "-n", Support, "-o", "jsonpath={.metadata.creationTimestamp}"), CultureInfo.InvariantCulture);
        var first = requested.First(w => Event(w) == "ApprovalRequested" && w.Json["approval"]!["name"]!.GetValue<string>() == approval);
        output.WriteLine($"ApprovalRequested for {approval} arrived {(first.ArrivedAt - created).TotalSeconds:0.0} s after its creationTimestamp (whole seconds); {requested.Count} notifications so far");

        // The kill switch drill of the README: engaged and released, each told once.
        await KubectlAgentsPlugin.SucceedAsync(Admin, "kill", "support-triage", "-n", Support, "--reason", "notification drill");
        await KubectlAgentsPlugin.SucceedAsync(Admin, "unkill", "support-triage", "-n", Support);
        var drill = await JourneyWait.UntilAsync(() => Task.FromResult(receiver.On(path).Where(w => Workflow(w) == "support-triage").Select(Event).ToList()),
            events => events.Contains("KillSwitchEngaged") && events.Contains("KillSwitchReleased"), RunsBound,
            events => $"support-triage's kill switch drill told [{string.Join(", ", events)}] at {url}");
        output.WriteLine($"support-triage: {string.Join(", ", drill)}");
        await WaitForPhaseAsync("support-triage", "Ready");

        // Switched off again, so the later journeys see no webhook.
        await Kubectl.RunAsync(Admin, "delete", "configmap,secret", "agentoperator-notifications", "-n", Support);
        await Kubectl.RunAsync(Admin, "delete", "rolebinding", "agentoperator-notifications-secret", "-n", Support);
    }

    private static string? Event(ReceivedWebhook webhook) => webhook.Body.StartsWith('{') ? (string?)webhook.Json["event"] : null;

    private static string? Workflow(ReceivedWebhook webhook) => webhook.Body.StartsWith('{') ? (string?)webhook.Json["workflow"] : null;

    [Fact]
    [Journey(Step = 6)]
    public async Task Rollout_undo_after_set_env_goes_back_one_revision_and_the_operator_restores_its_template()
    {
        var deployment = (await Kubectl.RunAsync(Admin, "get", "deploy", "-n", Support, "-l", "agentoperator.io/workflow=support-triage", "-o", "name"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).First();
        var container = await Kubectl.RunAsync(Admin, "get", deployment, "-n", Support, "-o", "jsonpath={.spec.template.spec.containers[0].name}");
        var revisionBefore = await RevisionAsync(deployment);

        // The operator owns the revision Deployment: it puts its own template back, as a new revision, as on a cluster.
        await Kubectl.RunAsync(Admin, "set", "env", deployment, "-n", Support, "-c", container, "JOURNEY_MARK=set-env");
        var restored = await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", deployment, "-n", Support,
                "-o", $$"""jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision} {.spec.template.spec.containers[?(@.name=="{{container}}")].env[*].name}"""),
            r => r.ExitCode == 0 && !r.Output.Contains("JOURNEY_MARK", StringComparison.Ordinal) && r.Output.Split(' ')[0] == (revisionBefore + 2).ToString(CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(60),
            async r => $"expected the operator to restore {deployment}'s template as revision {revisionBefore + 2} after set env (revision 'env' = {r.Output}):\n{await HistoryAsync(deployment)}\n{await ReplicaSetsAsync()}");
        output.WriteLine($"after set env the operator restored the template: revision {restored.Output.Split(' ')[0]}\n{await HistoryAsync(deployment)}");

        // rollout undo goes back to the previous revision (the set-env one), and the operator restores its template again.
        var clock = Stopwatch.StartNew();
        var undo = await Kubectl.RunAsync(Admin, "rollout", "undo", deployment, "-n", Support);
        Assert.True(undo.Contains("rolled back", StringComparison.Ordinal),
            $"`kubectl rollout undo {deployment}` printed: {undo}\n{await HistoryAsync(deployment)}\n{await ReplicaSetsAsync()}");
        var undone = await Kubectl.TryRunAsync(Admin, "rollout", "status", deployment, "-n", Support, "--timeout=180s");
        Assert.True(undone.ExitCode == 0, $"`kubectl rollout status {deployment}` after undo: {undone.Output}{undone.Error}");
        output.WriteLine($"rollout undo: {undo.Trim()}; rolled out in {clock.Elapsed.TotalSeconds:0.0} s\n{await HistoryAsync(deployment)}");
        await JourneyWait.UntilAsync(() => TemplateEnvAsync(deployment, container), env => !env.Contains("JOURNEY_MARK", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            async env => $"the operator did not restore {deployment}'s template after the undo (env {env}):\n{await HistoryAsync(deployment)}");
        await WaitForPhaseAsync("support-triage", "Ready");
    }

    [Fact]
    [Journey(Step = 7)]
    public async Task Kill_switch_denies_every_write_within_a_second_and_unkill_restores_writes()
    {
        // Both gateways of support-refund, scraped through kubectl port-forward as a user would.
        var pods = await PodsAsync("support-refund");
        var forwards = new List<KubectlPortForward>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var killed = false;
        try
        {
            foreach (var pod in pods)
            {
                forwards.Add(await KubectlPortForward.StartAsync(Admin, Support, "pod/" + pod, GatewayMetricsPort));
            }

            var bundle = "configmap/support-refund-" + await Kubectl.RunAsync(Admin, "get", "aw", "support-refund", "-n", Support, "-o", "jsonpath={.status.stableRevision}");
            // kubectl get --watch on the bundle ConfigMap the gateways watch: it prints each change as it arrives.
            await using var watch = RunningProcess.Start("/usr/bin/kubectl",
                ["--kubeconfig", Admin, "get", bundle, "-n", Support, "--watch", "-o", @"jsonpath={.data.bundle\.json}{""\n""}"], "/", null);
            await JourneyWait.UntilAsync(() => Task.FromResult(watch.Output), o => o.Contains("\"workflow\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
                o => $"kubectl get {bundle} --watch printed no bundle: {o}{watch.Error}");
            Assert.DoesNotMatch(KillSwitchOn(), watch.Output);
            var before = await WritesAsync(http, forwards);
            var clock = Stopwatch.StartNew();
            var kill = await KubectlAgentsPlugin.SucceedAsync(Admin, "kill", "support-refund", "-n", Support, "--reason", "journey");
            var patched = clock.Elapsed;
            killed = true;
            var seenByWatch = Task.Run(async () =>
            {
                await JourneyWait.UntilAsync(() => Task.FromResult(KillSwitchOn().IsMatch(watch.Output)), on => on, TimeSpan.FromSeconds(30),
                    _ => $"kubectl get {bundle} --watch saw no bundle with killSwitch true:\n{watch.Error}");
                return clock.Elapsed;
            });
            Assert.Contains("kill switch engaged", kill, StringComparison.Ordinal);

            // Watch every write until the gateways have denied a few by the kill-switch rule: a write that escalates to a human
            // or is allowed, first seen by a scrape after one that started more than 1 s after kubectl agents kill returned, is a write the switch missed.
            var (previous, previousAt) = (before, TimeSpan.Zero);
            TimeSpan? firstDeny = null;
            TimeSpan? lastEscaped = null;
            while (previous.KillSwitchDenials - before.KillSwitchDenials < 3)
            {
                Assert.True(clock.Elapsed < RunsBound, $"within {RunsBound.TotalSeconds} s of the kill the gateways denied {previous.KillSwitchDenials - before.KillSwitchDenials} writes by rule kill-switch:\n{previous.Text}");
                var startedAt = clock.Elapsed;
                var seen = await WritesAsync(http, forwards);
                if (seen.NotDenied > previous.NotDenied)
                {
                    lastEscaped = previousAt;
                    Assert.True(previousAt < patched + TimeSpan.FromSeconds(1),
                        $"a refund was escalated or allowed between {previousAt.TotalMilliseconds:0} and {startedAt.TotalMilliseconds:0} ms after kubectl agents kill started (it returned after {patched.TotalMilliseconds:0} ms; {previous.NotDenied} → {seen.NotDenied}):\n{seen.Text}");
                }

                if (firstDeny is null && seen.KillSwitchDenials > before.KillSwitchDenials)
                {
                    firstDeny = clock.Elapsed;
                }

                (previous, previousAt) = (seen, startedAt);
                await Task.Delay(100);
            }

            var published = await seenByWatch - patched;
            output.WriteLine($"kill switch: kubectl agents kill took {patched.TotalMilliseconds:0} ms; bundle {bundle} with killSwitch true seen by kubectl get --watch {published.TotalMilliseconds:0} ms after it returned; "
                + $"first write denied by rule kill-switch seen after {firstDeny!.Value.TotalMilliseconds:0} ms; "
                + $"last write not denied: {(lastEscaped is { } escaped ? $"seen by a scrape after one started {escaped.TotalMilliseconds:0} ms after the kill" : "none after the kill")}; "
                + $"{previous.KillSwitchDenials - before.KillSwitchDenials} denials in {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(published < TimeSpan.FromSeconds(1), $"the operator published the kill switch in {bundle} {published.TotalMilliseconds:0} ms after kubectl agents kill returned");

            var described = await Kubectl.RunAsync(Admin, "describe", "aw", "support-refund", "-n", Support);
            Assert.Contains(KillSwitchEngagedReason, described, StringComparison.Ordinal);

            // Each gateway says in its log which bundle it enforces, kill switch included.
            foreach (var pod in pods)
            {
                var log = await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "logs", pod, "-n", Support, "-c", GatewayPodLayout.GatewayContainer),
                    r => r.Output.Contains("(kill switch: True)", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
                    r => $"`kubectl logs {pod} -c {GatewayPodLayout.GatewayContainer}` does not say the kill switch is on:\n{r.Output}{r.Error}");
                output.WriteLine(log.Output.Split('\n').Last(l => l.Contains("(kill switch: True)", StringComparison.Ordinal)));
            }

            var unkill = await KubectlAgentsPlugin.SucceedAsync(Admin, "unkill", "support-refund", "-n", Support);
            killed = false;
            Assert.Contains("kill switch released", unkill, StringComparison.Ordinal);
            var released = await WritesAsync(http, forwards);
            var restored = await JourneyWait.UntilAsync(() => WritesAsync(http, forwards), w => w.NotDenied > released.NotDenied, RunsBound,
                w => $"no refund escalated to a human again after unkill:\n{w.Text}");
            output.WriteLine($"after unkill refunds escalate to a human again ({restored.NotDenied - released.NotDenied} new)");
        }
        finally
        {
            if (killed)
            {
                await KubectlAgentsPlugin.RunAsync(Admin, "unkill", "support-refund", "-n", Support);
            }

            foreach (var forward in forwards)
            {
                await forward.DisposeAsync();
            }
        }
    }

    [Fact]
    [Journey(Step = 8)]
    public async Task A_new_revision_is_promoted_through_its_canary_steps()
    {
        var stable = await StatusAsync("support-triage", "stableRevision");
        var clock = Stopwatch.StartNew();
        // Seed 6 escalates runs 47, 55, 58, 63 and 76 of each pod's first 100: the canary's short window sees none of them.
        // (Seed 11 escalated run 1 of both canary pods, so a window of 10 runs read 0.2 and breached 0.15.)
        await PatchTriageAsync(("SAMPLE_AGENT_SEED", "6"));
        var canary = await CanaryAsync(stable);

        // Every step's weight shows in kubectl get aw on the way; then the canary is the stable revision.
        var weights = new HashSet<string>(StringComparer.Ordinal);
        var promoted = await JourneyWait.UntilAsync(async () =>
            {
                var row = KubectlAgentsPlugin.Row(await Kubectl.RunAsync(Admin, "get", "aw", "-n", Support), "support-triage");
                if (row.GetValueOrDefault("WEIGHT") is { Length: > 0 } weight)
                {
                    weights.Add(weight);
                }

                return row;
            },
            row => row.GetValueOrDefault("STABLE") == canary && row.GetValueOrDefault("CANARY") is null or "" && row.GetValueOrDefault("PHASE") == "Ready", CanaryBound,
            async row => $"canary {canary} not promoted (row {string.Join(", ", row.Select(c => $"{c.Key}={c.Value}"))}, weights seen {string.Join(",", weights)}):\n{await DescribeAsync("support-triage")}");
        output.WriteLine($"canary {canary} promoted in {clock.Elapsed.TotalSeconds:0.0} s through weights {string.Join(" → ", weights)}");
        Assert.Contains("50", weights);
        var events = await Kubectl.RunAsync(Admin, "get", "events", "-n", Support, "--field-selector", "involvedObject.name=support-triage");
        Assert.Contains("Promoted", events, StringComparison.Ordinal);
    }

    [Fact]
    [Journey(Step = 9)]
    public async Task A_canary_whose_escalations_breach_is_rolled_back_with_the_reason_in_kubectl_describe()
    {
        var stable = await StatusAsync("support-triage", "stableRevision");
        var clock = Stopwatch.StartNew();
        await PatchTriageAsync(("SAMPLE_AGENT_ESCALATION_RATE", "0.9"));
        var canary = await CanaryAsync(stable);

        var described = await JourneyWait.UntilAsync(() => DescribeAsync("support-triage"),
            text => text.Contains("RolledBack", StringComparison.Ordinal) && text.Contains("escalation", StringComparison.OrdinalIgnoreCase), CanaryBound,
            text => $"canary {canary} was not rolled back on its escalation rate:\n{text}");
        output.WriteLine($"canary {canary} rolled back {clock.Elapsed.TotalSeconds:0.0} s after the patch; kubectl describe says:\n"
            + string.Join('\n', described.Split('\n').Where(l => l.Contains("RolledBack", StringComparison.Ordinal) || l.Contains("escalation", StringComparison.OrdinalIgnoreCase)).Take(6)));
        Assert.Contains("0.15", described, StringComparison.Ordinal);
        var row = KubectlAgentsPlugin.Row(await Kubectl.RunAsync(Admin, "get", "aw", "-n", Support), "support-triage");
        Assert.Equal(stable, row.GetValueOrDefault("STABLE"));
    }

    [Fact]
    [Journey(Step = 10)]
    public async Task A_canary_paused_with_kubectl_agents_holds_its_step_and_kubectl_agents_promote_ships_it()
    {
        var stable = await StatusAsync("support-triage", "stableRevision");
        // Back to the example's escalation rate after the rolled-back canary, with a new seed whose first escalation is run 31: a good new revision.
        await PatchTriageAsync(("SAMPLE_AGENT_ESCALATION_RATE", "0.05"), ("SAMPLE_AGENT_SEED", "13"));
        var canary = await CanaryAsync(stable);
        Assert.Contains("paused", await KubectlAgentsPlugin.SucceedAsync(Admin, "pause", "support-triage", "-n", Support), StringComparison.Ordinal);

        // Held: at twice its step's 15 s pause the canary is still the canary, as kubectl agents status and get show it.
        await Task.Delay(TimeSpan.FromSeconds(30));
        var status = await KubectlAgentsPlugin.SucceedAsync(Admin, "status", "-n", Support);
        var row = KubectlAgentsPlugin.Row(status, "support-triage");
        Assert.True((row["STABLE"], row["CANARY"], row["STEP"]) == (stable, canary, "1/1"), $"kubectl agents status after the pause:\n{status}");
        var tree = await KubectlAgentsPlugin.SucceedAsync(Admin, "get", "support-triage", "-n", Support);
        output.WriteLine($"kubectl agents status -n {Support}:\n{status}\nkubectl agents get support-triage -n {Support}:\n{tree}");
        Assert.Contains("=> 1. weight 50%, pause 15s", tree, StringComparison.Ordinal);
        Assert.Contains(tree.Split('\n'), l => l.Contains($"revision:{canary} ", StringComparison.Ordinal) && CanaryRevisionLine().IsMatch(l));

        // promote names the canary it read from status: no hash to copy, and it overrides the pause.
        var clock = Stopwatch.StartNew();
        var promoted = await KubectlAgentsPlugin.SucceedAsync(Admin, "promote", "support-triage", "-n", Support);
        Assert.Contains($"promoting canary revision {canary}", promoted, StringComparison.Ordinal);
        await JourneyWait.UntilAsync(() => StatusAsync("support-triage", "stableRevision"), s => s == canary, CanaryBound,
            async s => $"kubectl agents promote did not make {canary} stable (stable {s}):\n{await DescribeAsync("support-triage")}");
        output.WriteLine($"promote -> {canary} stable in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("resumed", await KubectlAgentsPlugin.SucceedAsync(Admin, "resume", "support-triage", "-n", Support), StringComparison.Ordinal);
        await WaitForPhaseAsync("support-triage", "Ready");
    }

    [Fact]
    [Journey(Step = 11)]
    public async Task Revoking_credentials_fails_the_old_token_in_TokenReview_while_the_workflow_keeps_serving()
    {
        var account = (await Kubectl.RunAsync(Admin, "get", "sa", "-n", Support, "-l", "agentoperator.io/workflow=support-refund", "-o", "name"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).First()["serviceaccount/".Length..];
        var token = (await Kubectl.RunAsync(Admin, "create", "token", account, "-n", Support, "--audience", "agentoperator.io/gateway")).Trim();
        Assert.True(await AuthenticatedAsync(token), $"a fresh token of {account} does not pass TokenReview");

        var approvalsBefore = await ApprovalCountAsync();
        var clock = Stopwatch.StartNew();
        await KubectlAgentsPlugin.SucceedAsync(Admin, "revoke", "support-refund", "-n", Support);
        await JourneyWait.UntilAsync(() => AuthenticatedAsync(token), authenticated => !authenticated, TimeSpan.FromSeconds(60),
            async _ => $"the token of {account} still passes TokenReview after kubectl agents revoke:\n{await DescribeAsync("support-refund")}");
        output.WriteLine($"old token refused by TokenReview {clock.Elapsed.TotalSeconds:0.0} s after kubectl agents revoke started");

        // The workflow keeps serving: its pods run with new tokens and new refunds reach a human. (Its phase may say
        // RunsFailing for a while: the kill switch journey's refused runs are still in the 5-minute window.)
        await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "pods", "-n", Support, "-l", "agentoperator.io/workflow=support-refund"),
            r => Rows(r.Output).Count(p => p.IsRunningAndReady) >= 2, RunsBound,
            r => $"support-refund's pods are not Running and Ready after the revocation:\n{r.Output}{r.Error}");
        var approvals = await JourneyWait.UntilAsync(ApprovalCountAsync, count => count > approvalsBefore, RunsBound,
            count => $"no new refund reached a human after the revocation ({approvalsBefore} approvals before, {count} now)");
        output.WriteLine($"serving again: {approvals - approvalsBefore} new approval request(s) {clock.Elapsed.TotalSeconds:0.0} s after the revocation started");
    }

    private async Task<int> ApprovalCountAsync() =>
        (await Kubectl.RunAsync(Admin, "get", "agentapprovals", "-n", Support, "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    [Fact]
    [Journey(Step = 12)]
    public async Task Deleting_a_workflow_leaves_nothing_behind()
    {
        var selector = "agentoperator.io/workflow=support-triage";
        var owned = await Kubectl.RunAsync(Admin, "get", "all,sa,roles,rolebindings,configmaps,networkpolicies", "-n", Support, "-l", selector, "-o", "name");
        output.WriteLine($"before delete:\n{owned}");
        Assert.NotEmpty(owned.Trim());

        var clock = Stopwatch.StartNew();
        var deleted = await Kubectl.TryRunAsync(Admin, "delete", "aw", "support-triage", "-n", Support, "--wait", "--timeout=120s");
        Assert.True(deleted.ExitCode == 0, $"kubectl delete aw support-triage --wait: {deleted.Output}{deleted.Error}");
        output.WriteLine($"kubectl delete aw --wait returned after {clock.Elapsed.TotalSeconds:0.0} s");

        var left = await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "all,sa,roles,rolebindings,configmaps,networkpolicies", "-n", Support, "-l", selector),
            r => r.ExitCode == 0 && r.Output.Trim().Length == 0, TimeSpan.FromSeconds(120),
            r => $"`kubectl get all,sa,roles,rolebindings,configmaps,networkpolicies -n {Support} -l {selector}` still lists:\n{r.Output}{r.Error}");
        output.WriteLine($"nothing left {clock.Elapsed.TotalSeconds:0.0} s after the delete: {left.Error.Trim()}");
        var pods = await Kubectl.RunAsync(Admin, "get", "pods", "-n", Support, "-o", "name");
        Assert.DoesNotContain("support-triage", pods, StringComparison.Ordinal);
    }

    /// <summary>support-refund's refunds over every gateway: those not denied (escalated or allowed) and those the kill switch denied.</summary>
    private static async Task<Writes> WritesAsync(HttpClient http, IReadOnlyList<KubectlPortForward> forwards)
    {
        var scrapes = new List<Scrape>();
        foreach (var forward in forwards)
        {
            scrapes.Add(await ScrapeAsync(http, forward));
        }

        var refund = ("tool", "payments.issue_refund");
        return new Writes(
            scrapes.Sum(s => s.Samples.Sum(AgentMetrics.ToolCalls, refund, ("decision", ToolDecisions.Escalate)) + s.Samples.Sum(AgentMetrics.ToolCalls, refund, ("decision", ToolDecisions.Allow))),
            scrapes.Sum(s => s.Samples.Sum(AgentMetrics.PolicyViolations, ("workflow", "support-refund"), ("rule", BuiltInRules.KillSwitch))),
            string.Join('\n', scrapes.SelectMany(s => s.Text.Split('\n')).Where(l => l.Contains("payments.issue_refund", StringComparison.Ordinal)
                || l.Contains("kill-switch", StringComparison.Ordinal) || l.StartsWith("scrape failed", StringComparison.Ordinal))));
    }

    private async Task<IReadOnlyList<string>> PodsAsync(string workflow)
    {
        var pods = await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "pods", "-n", Support, "-l", $"agentoperator.io/workflow={workflow}",
                "--field-selector=status.phase=Running", "-o", "name"),
            r => r.ExitCode == 0 && r.Output.Contains("pod/", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            r => $"no Running pod of {workflow} in `kubectl get pods -n {Support}`:\n{r.Output}{r.Error}");
        return [.. pods.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => p["pod/".Length..])];
    }

    private async Task<string> FirstPodAsync(string workflow) => (await PodsAsync(workflow))[0];

    private static async Task<Scrape> ScrapeAsync(HttpClient http, KubectlPortForward forward)
    {
        try
        {
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{forward.LocalPort}/metrics"));
            return new Scrape(text, PrometheusSamples.Parse(text));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Scrape($"scrape failed: {e.Message}", PrometheusSamples.Parse(""));
        }
    }

    /// <summary>
    /// A kubeconfig for ServiceAccount <paramref name="name"/> of support bound to <paramref name="clusterRoles"/> in
    /// support, with a token from kubectl create token.
    /// </summary>
    private async Task<string> ServiceAccountKubeconfigAsync(string name, params string[] clusterRoles)
    {
        await Kubectl.RunAsync(Admin, "create", "serviceaccount", name, "-n", Support);
        foreach (var role in clusterRoles)
        {
            await Kubectl.RunAsync(Admin, "create", "rolebinding", $"{name}-{role}", "-n", Support, $"--clusterrole={role}", $"--serviceaccount={Support}:{name}");
        }

        var token = (await Kubectl.RunAsync(Admin, "create", "token", name, "-n", Support, "--duration=1h")).Trim();
        var server = await Kubectl.RunAsync(Admin, "config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}");
        var authority = await Kubectl.RunAsync(Admin, "config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}");
        var path = Path.Combine(devMode.ScratchDirectory, name + ".kubeconfig");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: dev
                cluster:
                  server: {server}
                  certificate-authority-data: {authority}
            users:
              - name: {name}
                user:
                  token: {token}
            contexts:
              - name: {name}
                context:
                  cluster: dev
                  user: {name}
                  namespace: {Support}
            current-context: {name}
            """);
        return path;
    }

    /// <summary>The newest Pending payments.issue_refund approval of support-refund in a <c>kubectl agents approvals</c> table.</summary>
    private static string? NewestPendingRefund(string table) =>
        table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split(' ', 2)[0])
            .Select(n => (Name: n, Row: KubectlAgentsPlugin.Row(table, n)))
            .Where(r => r.Row["WORKFLOW"] == "support-refund" && r.Row["TOOL"] == "payments.issue_refund" && r.Row["DECISION"] == "Pending")
            .OrderByDescending(r => ExpiresInSeconds(r.Row["EXPIRES IN"]))
            .Select(r => r.Name)
            .FirstOrDefault();

    /// <summary>Rows of a <c>kubectl agents trace</c> where payments.issue_refund was allowed and answered 200: the refund executed.</summary>
    private static int ExecutedRefunds(string trace) => ExecutedRefund().Count(trace);

    /// <summary>Rows of the console's trace table for payments.issue_refund whose last cell (executed) reads yes.</summary>
    private static int ExecutedRefundRows(OpenQA.Selenium.Chrome.ChromeDriver browser) =>
        browser.FindElements(By.CssSelector("#trace tbody tr")).Count(r => r.Text.Contains("payments.issue_refund", StringComparison.Ordinal) && r.FindElements(By.TagName("td"))[^1].Text == "yes");

    private void Screenshot(IWebDriver browser, string name) => output.WriteLine($"screenshot: {HeadlessChromium.Screenshot(browser, name)}");

    /// <summary>"4m59s", "40s", "1h5m" as seconds.</summary>
    private static int ExpiresInSeconds(string text) =>
        Duration().Matches(text).Sum(m => int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) * m.Groups["unit"].Value switch { "h" => 3600, "m" => 60, _ => 1 });

    // Changes env vars of the triage example's agent in one JSON patch (one new revision), and shortens its rollout to one
    // 50 % step judged every 10 s (the example's 10-minute pauses are for production).
    private async Task PatchTriageAsync(params (string Variable, string Value)[] changes)
    {
        var names = (await Kubectl.RunAsync(Admin, "get", "aw", "support-triage", "-n", Support, "-o", "jsonpath={.spec.runtime.env[*].name}")).Split(' ');
        var operations = new List<string>();
        foreach (var (variable, value) in changes)
        {
            var index = Array.IndexOf(names, variable);
            Assert.True(index >= 0, $"support-triage has no env {variable}: {string.Join(", ", names)}");
            operations.Add($$"""{"op":"replace","path":"/spec/runtime/env/{{index}}/value","value":"{{value}}"}""");
        }

        await Kubectl.RunAsync(Admin, "patch", "aw", "support-triage", "-n", Support, "--type", "json", "-p", $$"""
            [{{string.Join(",\n ", operations)}},
             {"op":"replace","path":"/spec/rollout/steps","value":[{"weight":50,"pauseSeconds":15}]},
             {"op":"replace","path":"/spec/rollout/analysis/intervalSeconds","value":10},
             {"op":"replace","path":"/spec/rollout/analysis/windowSeconds","value":60}]
            """);
    }

    private async Task<string> CanaryAsync(string stable) =>
        (await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "aw", "support-triage", "-n", Support, "-o", "jsonpath={.status.canaryRevision}"),
            r => r.ExitCode == 0 && r.Output.Length > 0 && r.Output != stable, TimeSpan.FromSeconds(60),
            async r => $"no canary after the patch (stable {stable}):\n{await DescribeAsync("support-triage")}")).Output;

    private async Task<string> StatusAsync(string workflow, string field) =>
        await Kubectl.RunAsync(Admin, "get", "aw", workflow, "-n", Support, "-o", $"jsonpath={{.status.{field}}}");

    private async Task<string> DescribeAsync(string workflow) => (await Kubectl.TryRunAsync(Admin, "describe", "aw", workflow, "-n", Support)).Output;

    // Asks the API server, as any workload checking a caller would, whether the token authenticates.
    private async Task<bool> AuthenticatedAsync(string token)
    {
        var file = Path.Combine(Path.GetTempPath(), $"tokenreview-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, $$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{token}}}","audiences":["agentoperator.io/gateway"]}}""");
        try
        {
            return await Kubectl.RunAsync(Admin, "create", "-f", file, "-o", "jsonpath={.status.authenticated}") == "true";
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<int> RevisionAsync(string deployment) =>
        int.Parse(await Kubectl.RunAsync(Admin, "get", deployment, "-n", Support, "-o", @"jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}"), CultureInfo.InvariantCulture);

    private async Task<string> HistoryAsync(string deployment) => (await Kubectl.TryRunAsync(Admin, "rollout", "history", deployment, "-n", Support)).Output;

    private async Task<string> ReplicaSetsAsync() =>
        (await Kubectl.TryRunAsync(Admin, "get", "rs", "-n", Support, "-o", @"custom-columns=NAME:.metadata.name,REVISION:.metadata.annotations.deployment\.kubernetes\.io/revision,REPLICAS:.spec.replicas")).Output;

    private async Task<string> TemplateEnvAsync(string deployment, string container) =>
        await Kubectl.RunAsync(Admin, "get", deployment, "-n", Support, "-o", $$"""jsonpath={.spec.template.spec.containers[?(@.name=="{{container}}")].env[*].name}""");

    private async Task WaitForPhaseAsync(string workflow, string phase) =>
        await JourneyWait.UntilAsync(() => Kubectl.TryRunAsync(Admin, "get", "aw", workflow, "-n", Support, "-o", "jsonpath={.status.phase}"),
            r => r.Output == phase, TimeSpan.FromSeconds(120),
            async r => $"{workflow} is not {phase} in kubectl get aw: {r.Output}{r.Error}\n{(await Kubectl.TryRunAsync(Admin, "describe", "aw", workflow, "-n", Support)).Output}");

    private static IEnumerable<PodRow> Rows(string table) =>
        table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(c => c.Length >= 3)
            .Select(c => new PodRow(c[0], c[1], c[2]));

    private static int RunRows(string table) => table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Count();

    [GeneratedRegex(@"tool payments\.issue_refund \(create\)\s+allow\s+-\s+200\s")]
    private static partial Regex ExecutedRefund();

    [GeneratedRegex(@"^Intact: (\d+) chain\(s\)", RegexOptions.Multiline)]
    private static partial Regex IntactChains();

    [GeneratedRegex(@"""killSwitch""\s*:\s*true")]
    private static partial Regex KillSwitchOn();

    [GeneratedRegex(@"\sRevision\s+canary$")]
    private static partial Regex CanaryRevisionLine();

    [GeneratedRegex(@"(?<n>\d+)(?<unit>[hms])")]
    private static partial Regex Duration();

    private sealed record Scrape(string Text, PrometheusSamples Samples);

    private sealed record Writes(double NotDenied, double KillSwitchDenials, string Text);

    private sealed record PodRow(string Name, string Ready, string Status)
    {
        public bool IsRunningAndReady => Status == "Running" && Ready.Split('/') is [var up, var all] && up == all;
    }
}
