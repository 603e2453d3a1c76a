using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Notifications;
using AgentOperator.Operator.Tests.Approvals;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Plugin;
using AgentOperator.Operator.Tests.Workflows;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Notifications;

/// <summary>
/// Notifications end to end: a DevCluster with config/rbac and config/admission, the operator's controllers and its
/// notifier running as config/rbac's ServiceAccount, the namespace owner's ConfigMap, Secret and RoleBinding, and a
/// real HTTP receiver on loopback. Approvals are created as the gateway creates them and decided with the real plugin.
/// </summary>
public sealed class NotificationDeliveryTests(ApprovalClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ApprovalClusterFixture>, IAsyncLifetime
{
    private const string Workflow = "refunds";
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(20);

    private static readonly NotificationOptions FastRetries = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(200),
        MaxBackoff = TimeSpan.FromSeconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(1),
        MaxAttempts = 5,
    };

    private readonly List<IAsyncDisposable> _running = [];
    private readonly string _token = "T" + Guid.NewGuid().ToString("N");
    private WebhookReceiver _receiver = null!;

    private Kubernetes Admin => cluster.Client;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _running.Add(_receiver);
    }

    public async Task DisposeAsync()
    {
        foreach (var running in Enumerable.Reverse(_running))
        {
            await running.DisposeAsync();
        }
    }

    [Fact]
    public async Task Approval_request_reaches_generic_and_slack_webhooks_with_the_commands_that_decide_it()
    {
        var (ns, revision, gateway, notifier) = await StartAsync("notify-approval", FastRetries);
        await NotificationSetup.AllAsync(Admin, ns, $"""
            - name: audit-sink
              format: generic
              urlKey: audit-sink
            - name: finance-slack
              format: slack
              urlKey: finance-slack
              workflows: [{Workflow}]
              events: [ApprovalRequested, ApprovalApproved]
            """, Urls(("audit-sink", "generic"), ("finance-slack", "slack")));

        var name = await ApprovalRequests.CreateAsync(gateway, Admin, ns, Workflow, revision, tier: 3, approvalsRequired: 1);
        var approval = await ApprovalRequests.ReadAsync(Admin, ns, name);

        var generic = (await ArrivedAsync(Path("generic"), NotificationEvents.ApprovalRequested)).Json;
        Assert.Equal(NotificationPayloads.Schema, (string?)generic["schema"]);
        Assert.Equal((ns, Workflow, "info"), ((string?)generic["namespace"], (string?)generic["workflow"], (string?)generic["severity"]));
        Assert.Equal(name, (string?)generic["approval"]!["name"]);
        Assert.True(JsonNode.DeepEquals(approval.Spec.Input, generic["approval"]!["input"]), $"the payload's input is not spec.input: {generic["approval"]!["input"]}");
        Assert.Equal(payloadFacts(approval), ((string?)generic["facts"]!["tool"], (string?)generic["facts"]!["riskTier"], (string?)generic["facts"]!["runId"]));
        Assert.Equal($"kubectl agents approve {name} -n {ns}", (string?)generic["actions"]!["approve"]);
        Assert.StartsWith($"kubectl agents deny {name} -n {ns}", (string?)generic["actions"]!["deny"], StringComparison.Ordinal);
        Assert.Equal($"http://127.0.0.1:{ConsoleLinks.DefaultPort}/approvals#approval-{name}", (string?)generic["actions"]!["console"]);

        var slackRequest = await ArrivedAsync(Path("slack"), null);
        Assert.StartsWith("application/json", slackRequest.ContentType, StringComparison.Ordinal);
        var slack = slackRequest.Json;
        Assert.Contains(name, (string?)slack["text"], StringComparison.Ordinal);
        var blocks = slack["blocks"]!.AsArray();
        Assert.Equal("header", (string?)blocks[0]!["type"]);
        Assert.Contains(blocks, b => (string?)b!["type"] == "section" && ((string?)b["text"]?["text"])?.Contains($"`kubectl agents approve {name} -n {ns}`", StringComparison.Ordinal) == true);
        var button = blocks.Single(b => (string?)b!["type"] == "actions")!["elements"]![0]!;
        Assert.Equal($"http://127.0.0.1:{ConsoleLinks.DefaultPort}/approvals#approval-{name}", (string?)button["url"]);

        // The command in the notification decides it, run as an approver with the real kubectl plugin.
        await ApprovalRequests.BindApproverAsync(Admin, ns, "alice");
        var approve = ((string)generic["actions"]!["approve"]!).Split(' ')[2..];
        var decided = await KubectlAgentsPlugin.RunAsync(cluster.KubeconfigOf("alice"), approve);
        Assert.True(decided.ExitCode == 0, $"{string.Join(' ', approve)} failed: {decided.Error}");

        var approved = (await ArrivedAsync(Path("generic"), NotificationEvents.ApprovalApproved)).Json;
        Assert.Equal("alice", (string?)approved["facts"]!["decidedBy"]);
        await Eventually.TrueAsync(() => _receiver.On(Path("slack")).Count == 2, "the Slack webhook to get ApprovalApproved too", Arrival);
        Assert.Contains("approved", (string?)_receiver.On(Path("slack"))[1].Json["text"], StringComparison.Ordinal);

        await AssertSecretNowhereAsync(ns, notifier);

        static (string, string, string) payloadFacts(AgentApproval a) => (a.Spec.Tool, a.Spec.RiskTier.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Spec.RunId);
    }

    [Fact]
    public async Task Delivery_retries_with_exponential_backoff_on_server_errors_and_timeouts()
    {
        var (ns, _, _, notifier) = await StartAsync("notify-retry", FastRetries);
        await NotificationSetup.AllAsync(Admin, ns, "- {name: oncall, format: generic, urlKey: oncall}", Urls(("oncall", "generic")));
        _receiver.Script(500, 503, WebhookReceiver.Hang);

        await PatchSpecAsync(ns, """{"spec":{"killSwitch":true}}""");

        await Eventually.TrueAsync(() => _receiver.On(Path("generic")).Any(r => r.Answer == 200), () => $"a delivered attempt; got {Answers()}", Arrival);
        var attempts = _receiver.On(Path("generic"));
        Assert.Equal([500, 503, WebhookReceiver.Hang, 200], attempts.Select(a => a.Answer));
        Assert.Single(attempts.Select(a => a.Body).Distinct());
        Assert.Equal(NotificationEvents.KillSwitchEngaged, (string?)attempts[0].Json["event"]);
        Assert.Equal("spec.killSwitch", (string?)attempts[0].Json["facts"]!["source"]);

        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.ArrivedTimestamp, b.ArrivedTimestamp)).ToList();
        output.WriteLine($"gaps between attempts: {string.Join(", ", gaps.Select(g => $"{g.TotalMilliseconds:0} ms"))}");
        Assert.InRange(gaps[0].TotalMilliseconds, 170, 1000);                          // back-off 200 ms ±10 %
        Assert.True(gaps[1] > gaps[0] * 1.5, $"the second back-off ({gaps[1]}) is not about twice the first ({gaps[0]})");
        Assert.True(gaps[2] > FastRetries.AttemptTimeout + gaps[0], $"the hung attempt was not given its timeout before the retry ({gaps[2]})");

        var series = $"{{namespace=\"{ns}\",webhook=\"oncall\",result=";
        Assert.Equal(2, await notifier.MetricAsync(NotificationMetrics.Attempts + series + "\"server_error\"}"));
        Assert.Equal(1, await notifier.MetricAsync(NotificationMetrics.Attempts + series + "\"timeout\"}"));
        Assert.Equal(1, await notifier.MetricAsync(NotificationMetrics.Attempts + series + "\"delivered\"}"));
        Assert.Equal(1, await notifier.MetricAsync(NotificationMetrics.DeliveryLatency + "_count{format=\"generic\"}"));

        // The plugin's kill hold is a kill switch too: released in the spec, then held by `kubectl agents kill`.
        await PatchSpecAsync(ns, """{"spec":{"killSwitch":false}}""");
        await ArrivedAsync(Path("generic"), NotificationEvents.KillSwitchReleased);
        var kill = await KubectlAgentsPlugin.RunAsync(cluster.AdminKubeconfig, "kill", Workflow, "-n", ns, "--reason", "refund drill");
        Assert.True(kill.ExitCode == 0, kill.Error);
        var held = (await ArrivedAsync(Path("generic"), NotificationEvents.KillSwitchEngaged, skip: 1)).Json;
        Assert.Contains("refund drill", (string?)held["facts"]!["engagedBy"], StringComparison.Ordinal);
        Assert.Equal($"kubectl agents unkill {Workflow} -n {ns}", (string?)held["actions"]!["release"]);
        await AssertSecretNowhereAsync(ns, notifier);
    }

    [Fact]
    public async Task Receiver_that_keeps_failing_is_given_up_on_with_a_warning_event()
    {
        var (ns, _, _, notifier) = await StartAsync("notify-give-up", FastRetries with { MaxAttempts = 3 });
        await NotificationSetup.AllAsync(Admin, ns, "- {name: flaky, format: slack, urlKey: flaky}", Urls(("flaky", "slack")));
        _receiver.Script(500, 500, 500);

        await PatchSpecAsync(ns, """{"spec":{"killSwitch":true}}""");

        var failed = await WarningAsync(ns, "gave up after 3 attempts");
        Assert.Contains("webhook flaky: KillSwitchEngaged not delivered", failed, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", failed, StringComparison.Ordinal);
        Assert.Equal(3, _receiver.On(Path("slack")).Count);
        Assert.Equal(1, await notifier.MetricAsync($"{NotificationMetrics.Failures}{{namespace=\"{ns}\",webhook=\"flaky\",reason=\"gave_up\"}}"));
        await AssertSecretNowhereAsync(ns, notifier);
    }

    [Fact]
    public async Task Forbidden_or_missing_secret_is_a_clear_event_and_notifications_resume_once_fixed()
    {
        var (ns, _, _, notifier) = await StartAsync("notify-secret", FastRetries);
        await NotificationSetup.ConfigureAsync(Admin, ns, "- {name: oncall, format: generic, urlKey: oncall}");

        // No RoleBinding: the operator's own RBAC holds no Secret access.
        await PatchSpecAsync(ns, """{"spec":{"killSwitch":true}}""");
        var forbidden = await WarningAsync(ns, "(403)");
        Assert.Contains($"kubectl create rolebinding {NotificationSettings.SecretReaderClusterRole} -n {ns} --clusterrole={NotificationSettings.SecretReaderClusterRole}", forbidden, StringComparison.Ordinal);
        Assert.Equal(1, await notifier.MetricAsync($"{NotificationMetrics.Failures}{{namespace=\"{ns}\",webhook=\"oncall\",reason=\"secret_forbidden\"}}"));

        // Bound, but the Secret does not exist yet.
        await NotificationSetup.LetOperatorReadUrlsAsync(Admin, ns);
        await PatchSpecAsync(ns, """{"spec":{"killSwitch":false}}""");
        var missing = await WarningAsync(ns, "does not exist");
        Assert.Contains($"Secret {ns}/{NotificationSettings.SecretName} does not exist", missing, StringComparison.Ordinal);

        // Fixed: the next change is delivered by the same, still running notifier.
        await NotificationSetup.StoreUrlsAsync(Admin, ns, Urls(("oncall", "generic")));
        await PatchSpecAsync(ns, """{"spec":{"killSwitch":true}}""");
        await ArrivedAsync(Path("generic"), NotificationEvents.KillSwitchEngaged);
        Assert.DoesNotContain(_receiver.Received, r => (string?)r.Json["event"] == NotificationEvents.KillSwitchReleased);
        await AssertSecretNowhereAsync(ns, notifier);
    }

    [Fact]
    public async Task Invalid_configuration_is_named_in_an_event_and_valid_webhooks_still_get_notified()
    {
        var (ns, _, _, notifier) = await StartAsync("notify-config", FastRetries);
        await NotificationSetup.AllAsync(Admin, ns, """
            - {name: oncall, format: generic, urlKey: oncall}
            - {name: typo, format: teams, urlKey: oncall, event: [RolledBack]}
            """, Urls(("oncall", "generic")));

        await PatchSpecAsync(ns, """{"spec":{"killSwitch":true}}""");

        await ArrivedAsync(Path("generic"), NotificationEvents.KillSwitchEngaged);
        var invalid = await WarningAsync(ns, "is invalid");
        Assert.Contains("webhooks.yaml[1].format: 'teams' is not a format; allowed: generic, slack", invalid, StringComparison.Ordinal);
        Assert.Contains("webhooks.yaml[1].event: unknown field", invalid, StringComparison.Ordinal);
        Assert.Single(_receiver.Received);
        await AssertSecretNowhereAsync(ns, notifier);
    }

    [Fact]
    public async Task Runs_healthy_turning_false_notifies_that_runs_are_failing()
    {
        // The operator reads run outcomes from a gateway-aggregates source this test scripts, as it reads real gateways'.
        var outcomes = await AggregatesStub.StartAsync("""{"revisions":[]}""");
        _running.Add(outcomes);
        var analysis = new AnalysisOptions { WebUrlOverride = outcomes.AggregatesUrl, RunHealthInterval = TimeSpan.FromMilliseconds(500) };
        var (ns, revision, _, notifier) = await StartAsync("notify-runs", FastRetries, analysis);
        await NotificationSetup.AllAsync(Admin, ns, "- {name: sre, format: slack, urlKey: sre, events: [RunsFailing]}", Urls(("sre", "slack")));
        outcomes.Json = Runs(revision, new Dictionary<string, long> { [RunOutcomes.Success] = 20 });
        await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.Conditions?.Any(c => c.Type == ConditionTypes.RunsHealthy && c.Status == ConditionStatus.True) == true,
            "RunsHealthy True from 20 successful runs");
        Assert.Empty(_receiver.Received);

        outcomes.Json = Runs(revision, new Dictionary<string, long> { [RunOutcomes.Success] = 20, [RunOutcomes.Failed] = 25 });
        var slack = (await ArrivedAsync(Path("slack"), null)).Json;
        Assert.Contains("failing (RunsFailing): 25 of 45 runs failed since the gateways started", (string?)slack["text"], StringComparison.Ordinal);
        Assert.Contains(":warning:", (string?)slack["text"], StringComparison.Ordinal);

        // Only the transition is news: the condition staying False sends nothing more, nor does the kill switch (filtered out).
        await PatchSpecAsync(ns, """{"spec":{"killSwitch":true}}""");
        await Task.Delay(1500);
        Assert.Single(_receiver.Received);
        await AssertSecretNowhereAsync(ns, notifier);
    }

    [Fact]
    public async Task Runs_waiting_for_approval_stay_healthy_as_AwaitingApproval_and_only_denied_calls_notify_that_calls_are_refused()
    {
        // The refund example's normal path: the gateway escalates the refund and the run waits for its approver.
        var outcomes = await AggregatesStub.StartAsync("""{"revisions":[]}""");
        _running.Add(outcomes);
        var analysis = new AnalysisOptions { WebUrlOverride = outcomes.AggregatesUrl, RunHealthInterval = TimeSpan.FromMilliseconds(500) };
        var (ns, revision, _, notifier) = await StartAsync("notify-awaiting", FastRetries, analysis);
        await NotificationSetup.AllAsync(Admin, ns, "- {name: sre, format: slack, urlKey: sre, events: [RunsFailing]}", Urls(("sre", "slack")));
        outcomes.Json = Calls(revision, escalations: 3, refusals: []);

        var waiting = await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.Runs?.EscalatedCalls == 3
            && w.Status.Conditions?.Any(c => c.Type == ConditionTypes.RunsHealthy && c.Reason != "NoRuns") == true, "RunsHealthy judged from 3 escalated calls");

        var condition = waiting.Status!.Conditions!.Single(c => c.Type == ConditionTypes.RunsHealthy);
        Assert.Equal((ConditionStatus.True, "AwaitingApproval"), (condition.Status, condition.Reason));
        Assert.Equal("no run completed since the gateways started; 3 call(s) escalated to a human approval (kubectl agents approvals)", condition.Message);
        Assert.Equal((WorkflowPhases.Ready, "AwaitingApproval", 0L), (waiting.Status.Phase, waiting.Status.Reason, waiting.Status.Runs!.RefusedCalls));
        await Task.Delay(1500);
        Assert.Empty(_receiver.Received);

        outcomes.Json = Calls(revision, escalations: 3, refusals: new() { ["refund-limit"] = 2 });
        var slack = (await ArrivedAsync(Path("slack"), null)).Json;
        Assert.Contains("failing (CallsRefused): no run completed since the gateways started while 2 call(s) were refused: 2 call(s) refused, rule refund-limit: policy rule 'refund-limit' refused the call",
            (string?)slack["text"], StringComparison.Ordinal);
        var refused = await WorkflowManifests.GetAsync(Admin, ns, Workflow);
        Assert.Equal(WorkflowPhases.RunsFailing, refused.Status!.Phase);
        await AssertSecretNowhereAsync(ns, notifier);
    }

    [Fact]
    public async Task A_promotion_and_an_aborted_canary_each_notify_once_with_the_revision_and_the_reason()
    {
        var (ns, first, _, notifier) = await StartAsync("notify-rollout", FastRetries);
        await NotificationSetup.AllAsync(Admin, ns, "- {name: sre, format: generic, urlKey: sre, events: [RevisionPromoted, RolledBack]}", Urls(("sre", "generic")));

        // A canary the operator promotes through its one step.
        var quick = new RolloutSpec { Steps = [new RolloutStep { Weight = 50, PauseSeconds = 1 }] };
        await WorkflowManifests.PatchSpecAsync(Admin, ns, Workflow, WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:2.0.0") with { Rollout = quick });
        var promoted = await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.StableRevision != first && w.Status?.CanaryRevision is null,
            "the 2.0.0 canary promoted through its step", TimeSpan.FromSeconds(60));
        var promotion = (await ArrivedAsync(Path("generic"), NotificationEvents.RevisionPromoted)).Json;
        Assert.Equal((promoted.Status!.StableRevision, "Promoted", "info"), ((string?)promotion["facts"]!["revision"], (string?)promotion["facts"]!["outcome"], (string?)promotion["severity"]));

        // A canary held at its step, then aborted with the plugin as an SRE would.
        var held = new RolloutSpec { Steps = [new RolloutStep { Weight = 20, PauseSeconds = 3600 }] };
        await WorkflowManifests.PatchSpecAsync(Admin, ns, Workflow, WorkflowManifests.Spec(image: "ghcr.io/example/refund-agent:3.0.0") with { Rollout = held });
        var canary = (await WorkflowScenario.WaitAsync(Admin, ns, Workflow, w => w.Status?.CanaryRevision is not null && w.Status.CurrentStep is not null, "the 3.0.0 canary at its step"))
            .Status!.CanaryRevision!;
        await KubectlAgentsPlugin.SucceedAsync(cluster.AdminKubeconfig, "abort", Workflow, "-n", ns);
        var rollback = (await ArrivedAsync(Path("generic"), NotificationEvents.RolledBack)).Json;
        Assert.Equal((canary, "Aborted", "warning"), ((string?)rollback["facts"]!["revision"], (string?)rollback["facts"]!["outcome"], (string?)rollback["severity"]));
        Assert.Contains($"Revision {canary} of {Workflow} was aborted", (string?)rollback["summary"], StringComparison.Ordinal);

        // Each history entry is news once: nothing more arrives while the workflow settles.
        await Task.Delay(1500);
        Assert.Equal(2, _receiver.Received.Count);
        await AssertSecretNowhereAsync(ns, notifier);
    }

    [Fact]
    public async Task Approval_request_to_webhook_arrival_latency_over_20_requests()
    {
        var (ns, revision, gateway, notifier) = await StartAsync("notify-latency", new NotificationOptions());
        await NotificationSetup.AllAsync(Admin, ns, "- {name: inbox, format: generic, urlKey: inbox, events: [ApprovalRequested]}", Urls(("inbox", "generic")));

        var latencies = new List<TimeSpan>();
        for (var i = 1; i <= 20; i++)
        {
            var requested = Stopwatch.GetTimestamp();
            var name = await ApprovalRequests.CreateAsync(gateway, Admin, ns, Workflow, revision, tier: 3, approvalsRequired: 1);
            await Eventually.TrueAsync(() => _receiver.Received.Count == i, $"notification {i} of approval {name}", Arrival);
            var arrival = _receiver.Received[i - 1];
            Assert.Equal(name, (string?)arrival.Json["approval"]!["name"]);
            latencies.Add(Stopwatch.GetElapsedTime(requested, arrival.ArrivedTimestamp));
        }

        var sorted = latencies.Order().ToList();
        var p50 = (sorted[9] + sorted[10]) / 2;
        output.WriteLine($"AgentApproval create -> webhook arrival over {sorted.Count}: p50 {p50.TotalMilliseconds:0.0} ms, max {sorted[^1].TotalMilliseconds:0.0} ms, min {sorted[0].TotalMilliseconds:0.0} ms");
        Console.WriteLine($"NOTIFICATION LATENCY approval->webhook n=20 p50={p50.TotalMilliseconds:0.0}ms max={sorted[^1].TotalMilliseconds:0.0}ms");
        await AssertSecretNowhereAsync(ns, notifier);
    }

    /// <summary>A namespace with the workflow Ready under the operator's controllers and its notifier, both as config/rbac's identity.</summary>
    private async Task<(string Namespace, string Revision, Kubernetes Gateway, NotifierInstance Notifier)> StartAsync(string prefix, NotificationOptions options, AnalysisOptions? analysis = null)
    {
        var ns = await cluster.CreateNamespaceAsync(prefix);
        await WorkflowManifests.ApplyToolsAsync(Admin, ns);
        var op = await OperatorInstance.StartAsync(cluster.OperatorConfiguration, analysis: analysis);
        _running.Add(op);
        var ready = await WorkflowScenario.CreateReadyAsync(Admin, ns, Workflow);
        var notifier = await NotifierInstance.StartAsync(cluster.OperatorConfiguration, options);
        _running.Add(notifier);
        var revision = ready.Status!.StableRevision!;
        var (gateway, _) = await ApprovalRequests.GatewayClientAsync(cluster, ns, Workflow, revision);
        return (ns, revision, gateway, notifier);
    }

    // The gateway aggregates document of one revision of the workflow with these completed runs.
    private static string Runs(string revision, Dictionary<string, long> byOutcome)
    {
        var entry = new RevisionAggregates { Workflow = Workflow, Revision = revision };
        foreach (var (outcome, count) in byOutcome)
        {
            entry.RunsByOutcome[outcome] = count;
        }

        return System.Text.Json.JsonSerializer.Serialize(new GatewayAggregates([entry]));
    }

    // The gateway aggregates document of one revision whose calls escalated or were refused, no run completed yet.
    private static string Calls(string revision, long escalations, Dictionary<string, long> refusals)
    {
        var entry = new RevisionAggregates { Workflow = Workflow, Revision = revision, Escalations = escalations };
        entry.ToolCallsByDecision[ToolDecisions.Escalate] = escalations;
        foreach (var (rule, count) in refusals)
        {
            entry.ViolationsByRule[rule] = count;
            entry.ToolCallsByDecision[ToolDecisions.Deny] = entry.ToolCallsByDecision.GetValueOrDefault(ToolDecisions.Deny) + count;
        }

        return System.Text.Json.JsonSerializer.Serialize(new GatewayAggregates([entry]));
    }

    /// <summary>Webhook URLs whose path carries a secret token, as Slack's incoming-webhook URLs do.</summary>
    private Dictionary<string, Uri> Urls(params (string Key, string Kind)[] webhooks) =>
        webhooks.ToDictionary(w => w.Key, w => new Uri(_receiver.BaseUrl, Path(w.Kind)));

    private string Path(string kind) => $"/hooks/{kind}/{_token}";

    private async Task<ReceivedWebhook> ArrivedAsync(string path, string? @event, int skip = 0)
    {
        ReceivedWebhook? found = null;
        await Eventually.TrueAsync(
            () => (found = _receiver.On(path).Where(r => r.Answer == 200 && (@event is null || (string?)r.Json["event"] == @event)).Skip(skip).FirstOrDefault()) is not null,
            () => $"{@event ?? "a notification"} at {path.Replace(_token, "TOKEN", StringComparison.Ordinal)}; received {Answers()}",
            Arrival);
        return found!;
    }

    private async Task<string> WarningAsync(string ns, string containing)
    {
        string? message = null;
        await Eventually.TrueAsync(
            async () => (message = (await WorkflowScenario.EventsAsync(Admin, ns, Workflow))
                .FirstOrDefault(e => e.Reason == NotificationDispatcher.FailedReason && e.Type == "Warning" && e.Message.Contains(containing, StringComparison.Ordinal))?.Message) is not null,
            $"a Warning Event {NotificationDispatcher.FailedReason} on {ns}/{Workflow} saying '{containing}'",
            Arrival);
        output.WriteLine($"Event: {message}");
        return message!;
    }

    private async Task PatchSpecAsync(string ns, string mergePatch) =>
        await Admin.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, ns, "agentworkflows", Workflow);

    private string Answers() => string.Join(", ", _receiver.Received.Select(r => $"{r.Answer} {(r.Body.Length > 0 ? (string?)r.Json["event"] : "")}"));

    /// <summary>The webhook URLs' secret part appears in no payload, Event or log line.</summary>
    private async Task AssertSecretNowhereAsync(string ns, NotifierInstance notifier)
    {
        Assert.DoesNotContain(_receiver.Received, r => r.Body.Contains(_token, StringComparison.Ordinal));
        Assert.DoesNotContain(await WorkflowScenario.EventsAsync(Admin, ns, Workflow), e => e.Message?.Contains(_token, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(notifier.Logs.Lines, l => l.Contains(_token, StringComparison.Ordinal));
        Assert.DoesNotContain(await notifier.MetricsTextAsync(), _token, StringComparison.Ordinal);
    }
}
