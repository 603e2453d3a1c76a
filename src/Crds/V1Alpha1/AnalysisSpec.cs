using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>Metric analysis of the canary.</summary>
[CelRule("self.provider != 'prometheus' || has(self.prometheus)", Message = "analysis.prometheus is required when analysis.provider is prometheus", FieldPath = ".prometheus", Reason = "FieldValueRequired")]
[CelRule("self.provider != 'web' || has(self.web)", Message = "analysis.web is required when analysis.provider is web", FieldPath = ".web", Reason = "FieldValueRequired")]
public sealed record AnalysisSpec
{
    /// <summary>Seconds between analysis runs.</summary>
    [Default(60), Minimum(5), Maximum(3600)]
    public int IntervalSeconds { get; init; } = 60;

    /// <summary>Look-back window of every query, in seconds.</summary>
    [Default(300), Minimum(30), Maximum(86_400)]
    public int WindowSeconds { get; init; } = 300;

    /// <summary>Where metrics come from: prometheus (instant queries) or web (HTTP JSON).</summary>
    [Default("prometheus")]
    public AnalysisProvider Provider { get; init; } = AnalysisProvider.Prometheus;

    /// <summary>Prometheus connection.</summary>
    public PrometheusProvider? Prometheus { get; init; }

    /// <summary>HTTP JSON connection.</summary>
    public WebProvider? Web { get; init; }

    /// <summary>Built-in agent thresholds over the canary revision's gateway metrics.</summary>
    public AgentThresholds? Thresholds { get; init; }

    /// <summary>Canary-versus-stable comparisons over the same window.</summary>
    [Items(Max = 10)]
    public IReadOnlyList<RelativeCheck>? Relative { get; init; }

    /// <summary>Custom queries with a CEL success condition over <c>result</c>.</summary>
    [Items(Max = 20)]
    [CelRule("self.all(m, self.exists_one(n, n.name == m.name))", Message = "analysis.metrics names must be unique")]
    public IReadOnlyList<CustomMetric>? Metrics { get; init; }

    /// <summary>Failed analysis runs tolerated; one more rolls the canary back.</summary>
    [Default(0), Minimum(0), Maximum(100)]
    public int FailureLimit { get; init; }

    /// <summary>Inconclusive runs in a row tolerated (paused, never promoted, never rolled back); one more marks the workflow Degraded.</summary>
    [Default(3), Minimum(0), Maximum(100)]
    public int InconclusiveLimit { get; init; } = 3;
}

/// <summary>Metric analysis providers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnalysisProvider>))]
public enum AnalysisProvider
{
    [JsonStringEnumMemberName("prometheus")] Prometheus,
    [JsonStringEnumMemberName("web")] Web,
}

/// <summary>A Prometheus server queried over its HTTP API.</summary>
public sealed record PrometheusProvider
{
    /// <summary>Base address, e.g. http://prometheus.monitoring:9090.</summary>
    [Required, Format("uri"), Length(Max = 2048)]
    public required string Address { get; init; }

    /// <summary>Seconds before a query counts as unreachable (inconclusive).</summary>
    [Default(10), Minimum(1), Maximum(120)]
    public int TimeoutSeconds { get; init; } = 10;
}

/// <summary>An HTTP endpoint answering JSON.</summary>
public sealed record WebProvider
{
    /// <summary>URL queried with GET; {{revision}} and {{workflow}} are substituted.</summary>
    [Required, Length(Min = 1, Max = 2048)]
    public required string Url { get; init; }

    /// <summary>Seconds before the endpoint counts as unreachable (inconclusive).</summary>
    [Default(10), Minimum(1), Maximum(120)]
    public int TimeoutSeconds { get; init; } = 10;
}

/// <summary>Absolute thresholds on the canary revision.</summary>
public sealed record AgentThresholds
{
    /// <summary>Lowest acceptable eval pass ratio (agent_eval_pass_ratio), 0 to 1.</summary>
    [Minimum(0), Maximum(1)]
    public double? MinEvalPassRate { get; init; }

    /// <summary>Highest acceptable share of runs escalated to a human, 0 to 1.</summary>
    [Minimum(0), Maximum(1)]
    public double? MaxEscalationRate { get; init; }

    /// <summary>Highest acceptable number of policy violations in the window.</summary>
    [Minimum(0)]
    public int? MaxPolicyViolations { get; init; }

    /// <summary>Highest acceptable cost in USD per successful run.</summary>
    [Minimum(0)]
    public double? MaxCostPerSuccessfulTaskUsd { get; init; }

    /// <summary>Highest acceptable share of tool calls ending in an upstream error, 0 to 1.</summary>
    [Minimum(0), Maximum(1)]
    public double? MaxToolErrorRate { get; init; }
}

/// <summary>A canary-versus-stable comparison: canary value must not exceed stable value × maxRatio.</summary>
public sealed record RelativeCheck
{
    /// <summary>The agent metric compared.</summary>
    [Required]
    public required AgentMetric Metric { get; init; }

    /// <summary>Largest acceptable canary / stable ratio (e.g. 1.2 = at most 20 % worse).</summary>
    [Required, Minimum(0)]
    public required double MaxRatio { get; init; }

    /// <summary>Runs (or tool calls) each side needs in the window before a verdict is given; fewer is inconclusive.</summary>
    [Default(20), Minimum(1), Maximum(1_000_000)]
    public int MinSampleSize { get; init; } = 20;
}

/// <summary>Agent metrics that can be compared between revisions.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentMetric>))]
public enum AgentMetric
{
    [JsonStringEnumMemberName("escalationRate")] EscalationRate,
    [JsonStringEnumMemberName("toolErrorRate")] ToolErrorRate,
    [JsonStringEnumMemberName("costPerSuccessfulTask")] CostPerSuccessfulTask,
    [JsonStringEnumMemberName("policyViolationRate")] PolicyViolationRate,
}

/// <summary>A custom metric: a query and the CEL condition its result must satisfy.</summary>
public sealed record CustomMetric
{
    /// <summary>Name shown in status and Events.</summary>
    [Required, Pattern("^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$"), Length(Max = 63)]
    public required string Name { get; init; }

    /// <summary>PromQL (prometheus) or a JSON path (web); {{revision}}, {{workflow}}, {{namespace}} and {{window}} are substituted.</summary>
    [Required, Length(Min = 1, Max = 4096)]
    public required string Query { get; init; }

    /// <summary>CEL over <c>result</c> (a double) that must be true, e.g. result &lt; 0.05.</summary>
    [Required, Length(Min = 1, Max = 1024)]
    public required string SuccessCondition { get; init; }
}
