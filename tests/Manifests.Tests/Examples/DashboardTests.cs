using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Examples;

/// <summary>The Grafana dashboard: importable JSON whose queries use only the project's metric names and parse as PromQL.</summary>
public sealed partial class DashboardTests
{
    private const string File = "examples/grafana/agentoperator-dashboard.json";

    /// <summary>The metric contract of docs/design.md ("Metrics and alerts"; names in src/Contracts/AgentMetrics.cs) (histograms by their series), plus the operator metrics the dashboard shows.</summary>
    private static readonly HashSet<string> KnownMetrics = new(StringComparer.Ordinal)
    {
        "agent_runs_total", "agent_tool_calls_total", "agent_policy_violations_total", "agent_escalations_total",
        "agent_tokens_total", "agent_cost_usd_total", "agent_eval_pass_ratio",
        "agent_run_duration_seconds_bucket", "agent_run_duration_seconds_sum", "agent_run_duration_seconds_count",
        "agent_tool_call_duration_seconds_bucket", "agent_tool_call_duration_seconds_sum", "agent_tool_call_duration_seconds_count",
        "agentoperator_canary_weight", "agentoperator_rollbacks_total",
    };

    private static JsonNode Dashboard => JsonNode.Parse(Repository.Read(File))!;

    private static IEnumerable<JsonNode> Panels => Dashboard["panels"]!.AsArray().OfType<JsonNode>();

    private static IEnumerable<string> Queries =>
        Panels.SelectMany(p => p["targets"]?.AsArray().OfType<JsonNode>() ?? []).Select(t => (string)t["expr"]!)
            .Concat(Dashboard["annotations"]!["list"]!.AsArray().Select(a => (string?)a!["expr"]).OfType<string>())
            .Concat(Dashboard["templating"]!["list"]!.AsArray().Select(v => (string?)v!["definition"]).OfType<string>()
                .Select(d => LabelValues().Match(d)).Where(m => m.Success).Select(m => m.Groups["selector"].Value));

    [Fact]
    public void Dashboard_has_what_grafana_import_needs()
    {
        var dashboard = Dashboard;
        Assert.Equal("agentoperator-overview", (string?)dashboard["uid"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)dashboard["title"]));
        Assert.True((int?)dashboard["schemaVersion"] >= 36);
        Assert.Null(dashboard["id"]);
        var ids = Panels.Select(p => (int)p["id"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(Panels, p => Assert.NotNull(p["gridPos"]?["w"]));
    }

    [Fact]
    public void Every_query_uses_the_datasource_variable()
    {
        Assert.Contains(Dashboard["templating"]!["list"]!.AsArray(), v => (string?)v!["name"] == "datasource" && (string?)v["type"] == "datasource");
        Assert.All(Panels.Where(p => (string?)p["type"] != "row"), p => Assert.Equal("${datasource}", (string?)p["datasource"]?["uid"]));
    }

    [Fact]
    public void Queries_use_only_the_metric_contract()
    {
        var unknown = Queries.SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).Where(n => !KnownMetrics.Contains(n)).Distinct().ToList();
        Assert.True(unknown.Count == 0, "metrics outside the contract of docs/design.md: " + string.Join(", ", unknown));
    }

    [Theory]
    [InlineData("Runs by outcome", "agent_runs_total")]
    [InlineData("Escalation rate by revision", "outcome=\"escalated\"")]
    [InlineData("Tool-call decisions", "agent_tool_calls_total")]
    [InlineData("Policy violations by rule", "agent_policy_violations_total")]
    [InlineData("Tokens by role and model", "agent_tokens_total")]
    [InlineData("Cost per successful task", "agent_cost_usd_total")]
    [InlineData("Canary weight", "agentoperator_canary_weight")]
    public void Dashboard_shows(string title, string queried)
    {
        var panel = Assert.Single(Panels, p => (string?)p["title"] == title);
        Assert.Contains(panel["targets"]!.AsArray(), t => ((string)t!["expr"]!).Contains(queried, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_query_parses_as_promql()
    {
        // promtool has no bare PromQL checker, but it parses every rule's expression: each query becomes a
        // recording rule, with Grafana's variables replaced by what Grafana would send.
        var rules = new JsonArray();
        var index = 0;
        foreach (var query in Queries.Distinct())
        {
            var promql = query.Replace("$__rate_interval", "5m", StringComparison.Ordinal).Replace("$__range", "6h", StringComparison.Ordinal);
            promql = GrafanaVariable().Replace(promql, ".*");
            rules.Add(new JsonObject { ["record"] = $"dashboard:query_{index++}", ["expr"] = promql });
        }

        var file = Path.Combine(Path.GetTempPath(), $"agentoperator-dashboard-{Guid.NewGuid():N}.rules.yaml");
        try
        {
            System.IO.File.WriteAllText(file, new JsonObject { ["groups"] = new JsonArray(new JsonObject { ["name"] = "dashboard", ["rules"] = rules }) }.ToJsonString());
            var output = Tool.Run("promtool", "promtool (the prometheus package; .ci/run installs it)", "check", "rules", file);
            Assert.Contains($"SUCCESS: {index} rules found", output, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.File.Delete(file);
        }
    }

    [GeneratedRegex(@"\bagent(operator)?_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\$[a-z_]+")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"^label_values\((?<selector>[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?)\s*,")]
    private static partial Regex LabelValues();
}
