using System.Text.Json.Nodes;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary><c>kubectl kustomize config/prometheus</c>: how Prometheus finds the operator and the gateways.</summary>
public sealed class PrometheusTests
{
    private static IReadOnlyList<KubeObject> Objects => Kubectl.Kustomize("config/prometheus");

    private static KubeObject Single(string kind) => Assert.Single(Objects, o => o.Kind == kind);

    [Fact]
    public void Render_contains_service_monitors_for_the_operator_and_the_audit_collector_a_pod_monitor_and_the_alerts()
    {
        Assert.Equal(["PodMonitor", "PrometheusRule", "ServiceMonitor", "ServiceMonitor"], Objects.Select(o => o.Kind).Order(StringComparer.Ordinal));
        Assert.All(Objects, o => Assert.Equal("agentoperator-system", o.Namespace));
    }

    [Theory]
    [InlineData("agent-operator", "agent-operator-metrics")]
    [InlineData("agentoperator-audit-collector", "agentoperator-audit-collector")]
    public void Service_monitor_selects_only_its_service_and_a_port_of_it(string monitorName, string serviceName)
    {
        var monitor = Assert.Single(Objects, o => o.Kind == "ServiceMonitor" && o.Name == monitorName);
        var service = Assert.Single(Kubectl.Kustomize("config/default"), o => o.Kind == "Service" && o.Name == serviceName);
        var serviceLabels = service.At("metadata.labels")!.AsObject();
        foreach (var (key, value) in monitor.At("spec.selector.matchLabels")!.AsObject())
        {
            Assert.Equal((string?)value, (string?)serviceLabels[key]);
        }

        // No other Service of the install may match, or Prometheus would scrape a port that serves no metrics.
        var others = Kubectl.Kustomize("config/default").Where(o => o.Kind == "Service" && o.Name != service.Name);
        Assert.All(others, other => Assert.False(Matches(monitor.At("spec.selector.matchLabels")!.AsObject(), other.At("metadata.labels")!.AsObject()), other.Name));

        var endpoint = Assert.Single(monitor.At("spec.endpoints")!.AsArray())!;
        Assert.Contains(service.At("spec.ports")!.AsArray(), p => (string?)p!["name"] == (string?)endpoint["port"]);
        Assert.Equal("/metrics", (string?)endpoint["path"]);
        Assert.Equal(["agentoperator-system"], Json.Strings(monitor.At("spec.namespaceSelector.matchNames")));
    }

    [Fact]
    public void Pod_monitor_scrapes_every_gateway_in_every_namespace()
    {
        var monitor = Single("PodMonitor");
        var expression = Assert.Single(monitor.At("spec.selector.matchExpressions")!.AsArray())!;
        Assert.Equal("agentoperator.io/workflow", (string?)expression["key"]);
        Assert.Equal("Exists", (string?)expression["operator"]);
        Assert.True((bool?)monitor.At("spec.namespaceSelector.any"));
        var endpoint = Assert.Single(monitor.At("spec.podMetricsEndpoints")!.AsArray())!;
        // The gateway container's port name (AgentOperator.Contracts.GatewayPodLayout.MetricsPortName); the agent's port is "http".
        Assert.Equal("metrics", (string?)endpoint["port"]);
        Assert.Equal("/metrics", (string?)endpoint["path"]);
    }

    [Fact]
    public void Alert_rules_pass_promtool_check_and_their_unit_tests()
    {
        // promtool reads plain rule files: the PrometheusRule's spec is one (groups: ...). The unit tests
        // beside it name the extracted file agentoperator.rules.yaml.
        var directory = Directory.CreateTempSubdirectory("agentoperator-rules-");
        try
        {
            var spec = Single("PrometheusRule").At("spec")!;
            File.WriteAllText(Path.Combine(directory.FullName, "agentoperator.rules.yaml"), spec.ToJsonString());
            File.Copy(Repository.PathOf("config/prometheus/alerts/agentoperator.rules.test.yaml"), Path.Combine(directory.FullName, "agentoperator.rules.test.yaml"));
            const string hint = "promtool (the prometheus package; .ci/run installs it)";
            var check = Tool.Run("promtool", hint, "check", "rules", Path.Combine(directory.FullName, "agentoperator.rules.yaml"));
            Assert.Contains("SUCCESS", check, StringComparison.Ordinal);
            var test = Tool.Run("promtool", hint, "test", "rules", Path.Combine(directory.FullName, "agentoperator.rules.test.yaml"));
            Assert.Contains("SUCCESS", test, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static bool Matches(JsonObject selector, JsonObject labels) =>
        selector.All(p => (string?)labels[p.Key] == (string?)p.Value);
}
