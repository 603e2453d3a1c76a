using System.Globalization;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Examples;

/// <summary><c>kubectl kustomize examples</c>: the reference agents and their tools, as users apply them.</summary>
public sealed class ExampleTests
{
    private static IReadOnlyList<KubeObject> Objects => Kubectl.Kustomize("examples");

    private static KubeObject Workflow(string name) => Assert.Single(Objects, o => o.Kind == "AgentWorkflow" && o.Name == name);

    private static IEnumerable<KubeObject> Tools => Objects.Where(o => o.Kind == "AgentTool");

    private static KubeObject Tool(string toolName) => Assert.Single(Tools, t => (string?)t.At("spec.name") == toolName);

    [Fact]
    public void Render_contains_the_namespace_two_workflows_and_their_tools()
    {
        Assert.Single(Objects, o => o.Kind == "Namespace" && o.Name == "support");
        Assert.Equal(["support-refund", "support-triage"], Objects.Where(o => o.Kind == "AgentWorkflow").Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["crm.read_ticket", "kb.search", "orders.get_status", "payments.issue_refund", "tickets.add_note", "tickets.search"],
            Tools.Select(t => (string)t.At("spec.name")!).Order(StringComparer.Ordinal));
        Assert.All(Objects.Where(o => o.Kind != "Namespace"), o => Assert.Equal("support", o.Namespace));
    }

    [Fact]
    public void Examples_commit_no_secrets()
    {
        // Tool and model credentials are created out of band; only their names appear here.
        Assert.DoesNotContain(Objects, o => o.Kind == "Secret");
    }

    [Fact]
    public void Config_samples_render_the_examples()
    {
        Assert.Equal(Objects.Select(o => o.ToString()), Kubectl.Kustomize("config/samples").Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("support-refund")]
    [InlineData("support-triage")]
    public void Every_allowed_tool_exists_in_the_registry_with_at_least_the_allowed_actions(string workflow)
    {
        foreach (var binding in Workflow(workflow).At("spec.tools")!.AsArray())
        {
            var tool = Tool((string)binding!["name"]!);
            Assert.Subset(Json.Strings(tool.At("spec.actions")).ToHashSet(StringComparer.Ordinal), Json.Strings(binding["actions"]).ToHashSet(StringComparer.Ordinal));
        }
    }

    [Theory]
    [InlineData("support-refund")]
    [InlineData("support-triage")]
    public void Agents_run_the_sample_agent_configured_by_env_and_redact_pii(string workflow)
    {
        var spec = Workflow(workflow).At("spec")!;
        Assert.Equal("ghcr.io/agentoperator/sample-agent:0.1.0", (string?)spec["runtime"]?["image"]);
        var env = spec["runtime"]!["env"]!.AsArray().Select(e => (string)e!["name"]!).ToList();
        Assert.Contains("SAMPLE_AGENT_TASKS_PER_MINUTE", env);
        Assert.Contains("SAMPLE_AGENT_ESCALATION_RATE", env);
        Assert.Equal(["email", "card_last4"], Json.Strings(spec["policy"]?["redact"]));
    }

    [Fact]
    public void Refund_agent_has_the_reference_budgets_autonomy_and_credentials()
    {
        var spec = Workflow("support-refund").At("spec")!;
        Assert.Equal(24000, (int?)spec["budgets"]?["maxTokensTotal"]);
        Assert.Equal(10, (int?)spec["budgets"]?["maxToolCalls"]);
        // A refund waits for a human inside its run: the wall-time budget must outlast the agent's wait, or every
        // approved refund would be refused for time on its retry.
        var approvalWait = int.Parse((string)spec["runtime"]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "SAMPLE_AGENT_APPROVAL_TIMEOUT_SECONDS")!["value"]!, CultureInfo.InvariantCulture);
        Assert.True(approvalWait >= 120, $"a human gets {approvalWait} s to approve a refund");
        Assert.InRange((int)spec["budgets"]!["maxWallTimeSeconds"]!, approvalWait + 10, approvalWait + 60);
        Assert.Equal("approve", (string?)spec["autonomy"]);
        Assert.Equal(3600, (int?)spec["credentials"]?["tokenTtlSeconds"]);
        Assert.Equal(["crm.read_ticket", "orders.get_status", "payments.issue_refund"], spec["tools"]!.AsArray().Select(t => (string)t!["name"]!));
    }

    [Fact]
    public void Refunds_above_fifty_dollars_escalate_to_a_human()
    {
        var rule = Assert.Single(Workflow("support-refund").At("spec.policy.rules")!.AsArray(), r => (string?)r!["id"] == "refund-cap")!;
        Assert.Equal("payments.issue_refund", (string?)rule["tool"]);
        Assert.Equal("input.amount_usd <= 50.0", (string?)rule["condition"]);
        Assert.Equal("escalate", (string?)rule["onFail"]);
    }

    [Fact]
    public void Refund_tool_is_high_risk_with_a_strict_input_schema_and_a_secret_only_the_gateway_sees()
    {
        var tool = Tool("payments.issue_refund");
        Assert.True((int?)tool.At("spec.riskTier") >= 3);
        Assert.Equal(["create"], Json.Strings(tool.At("spec.actions")));
        Assert.Equal(["order_id", "amount_usd", "currency", "reason"], Json.Strings(tool.At("spec.inputSchema.required")));
        Assert.False((bool?)tool.At("spec.inputSchema.additionalProperties"));
        Assert.Equal("payments-api-token", (string?)tool.At("spec.auth.secretRef.name"));
        Assert.StartsWith("http://", (string?)tool.At("spec.upstream.url"), StringComparison.Ordinal);
        Assert.Contains(".svc/", (string?)tool.At("spec.upstream.url"), StringComparison.Ordinal);
    }

    [Fact]
    public void Refund_canary_goes_5_25_50_with_pauses_analysis_and_an_eval_job()
    {
        var rollout = Workflow("support-refund").At("spec.rollout")!;
        Assert.Equal([5, 25, 50], rollout["steps"]!.AsArray().Select(s => (int)s!["weight"]!));
        Assert.All(rollout["steps"]!.AsArray(), s => Assert.True((int?)s!["pauseSeconds"] > 0));
        Assert.Equal("prometheus", (string?)rollout["analysis"]?["provider"]);
        Assert.NotNull(rollout["analysis"]?["prometheus"]?["address"]);
        var thresholds = rollout["analysis"]!["thresholds"]!.AsObject();
        Assert.Equal(
            ["maxCostPerSuccessfulTaskUsd", "maxEscalationRate", "maxPolicyViolations", "maxToolErrorRate", "minEvalPassRate"],
            thresholds.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.NotNull(rollout["evaluation"]?["image"]);
        Assert.NotNull(rollout["evaluation"]?["minPassRate"]);
    }

    [Fact]
    public void Triage_agent_has_pinned_planner_writer_verifier_models_and_the_reference_budgets()
    {
        var spec = Workflow("support-triage").At("spec")!;
        Assert.Equal(["planner", "verifier", "writer"], spec["models"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(spec["models"]!.AsObject(), m => Assert.Matches(@"\d{4}-?\d{2}-?\d{2}", (string?)m.Value!["model"] ?? ""));
        Assert.Equal(8, (int?)spec["budgets"]?["maxSteps"]);
        Assert.Equal(10, (int?)spec["budgets"]?["maxToolCalls"]);
        Assert.Equal(24000, (int?)spec["budgets"]?["maxTokensTotal"]);
        Assert.Equal(60, (int?)spec["budgets"]?["maxWallTimeSeconds"]);
        Assert.Contains(spec["tools"]!.AsArray(), t => (string?)t!["name"] == "kb.search");
    }

    [Fact]
    public void Tool_upstreams_are_in_cluster_services()
    {
        Assert.All(Tools, tool =>
        {
            var url = (string?)tool.At("spec.upstream.url") ?? (string?)tool.At("spec.upstream.mcp.url");
            Assert.NotNull(url);
            Assert.Contains(".svc", new Uri(url).Host, StringComparison.Ordinal);
        });
    }
}
