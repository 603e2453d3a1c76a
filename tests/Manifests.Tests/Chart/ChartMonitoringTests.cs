using System.Text.Json.Nodes;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Chart;

/// <summary>The chart's Prometheus Operator objects, rendered from their templates for a release named agent-operator.</summary>
public sealed class ChartMonitoringTests
{
    private static JsonNode Values => Yaml.Parse(Repository.Read($"{ChartTemplates.ChartDirectory}/values.yaml"));

    private static JsonNode With(params (string Path, JsonNode Value)[] changes)
    {
        var values = Values.DeepClone();
        foreach (var (path, value) in changes)
        {
            var segments = path.Split('.');
            Json.At(values, string.Join('.', segments[..^1]))![segments[^1]] = value;
        }

        return values;
    }

    [Fact]
    public void Chart_scrapes_the_audit_collector_service_as_config_prometheus_does_when_service_monitors_are_on()
    {
        var values = With(("metrics.serviceMonitor.enabled", true), ("metrics.serviceMonitor.labels", new JsonObject { ["release"] = "prometheus" }));

        var monitor = Assert.Single(ChartRenderer.Render("servicemonitor.yaml", values), o => o.Kind == "ServiceMonitor" && o.Name == "agent-operator-audit-collector");
        var collector = ChartRenderer.Render("audit-collector.yaml", values);
        var service = Assert.Single(collector, o => o.Kind == "Service");

        // The Service selects the collector's pods (and not the operator's, whose component is operator).
        var podLabels = Assert.Single(collector, o => o.Kind == "Deployment").At("spec.template.metadata.labels")!.AsObject();
        Assert.All(service.At("spec.selector")!.AsObject(), label => Assert.Equal((string?)label.Value, (string?)podLabels[label.Key]));
        Assert.Equal("audit-collector", (string?)service.At("spec.selector")!["app.kubernetes.io/component"]);

        // It selects the chart's collector Service, in the release namespace, on a port that Service has.
        var serviceLabels = service.At("metadata.labels")!.AsObject();
        Assert.All(monitor.At("spec.selector.matchLabels")!.AsObject(), label => Assert.Equal((string?)label.Value, (string?)serviceLabels[label.Key]));
        Assert.Equal([service.Namespace!], Json.Strings(monitor.At("spec.namespaceSelector.matchNames")));
        var endpoint = Assert.Single(monitor.At("spec.endpoints")!.AsArray())!;
        Assert.Contains(service.At("spec.ports")!.AsArray(), p => (string?)p!["name"] == (string?)endpoint["port"]);
        // The operator's own Service (also labelled with the chart's name and instance) is not selected.
        Assert.NotEqual("metrics", (string?)monitor.At("spec.selector.matchLabels")!["app.kubernetes.io/component"]);
        // Prometheus finds it by the release's extra labels, like the operator's monitor.
        Assert.Equal("prometheus", (string?)monitor.At("metadata.labels")!["release"]);

        // The same scrape as config/prometheus/collector_monitor.yaml.
        var installed = Assert.Single(Kubectl.Kustomize("config/prometheus"), o => o.Kind == "ServiceMonitor" && o.Name == "agentoperator-audit-collector");
        Assert.True(Json.Same(installed.At("spec.endpoints"), monitor.At("spec.endpoints")), $"chart {monitor.At("spec.endpoints")} != config {installed.At("spec.endpoints")}");
        Assert.Equal(installed.Namespace, monitor.Namespace);
        Assert.Equal((string?)installed.At("spec.selector.matchLabels")!["app.kubernetes.io/component"], (string?)monitor.At("spec.selector.matchLabels")!["app.kubernetes.io/component"]);
    }

    [Fact]
    public void Audit_collector_ServiceMonitor_needs_service_monitors_and_the_collector_enabled()
    {
        Assert.DoesNotContain(ChartRenderer.Render("servicemonitor.yaml", Values), o => o.Kind == "ServiceMonitor");
        Assert.DoesNotContain(
            ChartRenderer.Render("servicemonitor.yaml", With(("metrics.serviceMonitor.enabled", true), ("auditCollector.enabled", false))),
            o => o.Name == "agent-operator-audit-collector");
        Assert.Equal(
            ["agent-operator", "agent-operator-audit-collector"],
            ChartRenderer.Render("servicemonitor.yaml", With(("metrics.serviceMonitor.enabled", true))).Where(o => o.Kind == "ServiceMonitor").Select(o => o.Name).Order(StringComparer.Ordinal));
    }
}
