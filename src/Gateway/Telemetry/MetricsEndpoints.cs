using AgentOperator.Contracts;
using Prometheus;

namespace AgentOperator.Gateway.Telemetry;

/// <summary>
/// The metrics port: <c>/metrics</c> (Prometheus text), <c>/healthz</c>, and <c>/v1/aggregates</c>, the same
/// totals as JSON for the operator's analysis when no Prometheus is configured.
/// </summary>
public static class MetricsEndpoints
{
    /// <summary>Maps the metrics-port endpoints.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints, GatewayMetrics metrics, Func<bool> healthy)
    {
        endpoints.MapMetrics("/metrics", metrics.Registry);
        endpoints.MapGet(GatewayPodLayout.HealthPath, () => healthy() ? Results.Text("ok") : Results.Text("no bundle loaded", statusCode: StatusCodes.Status503ServiceUnavailable));
        endpoints.MapGet(GatewayAggregates.Path, () => Results.Json(new GatewayAggregates(metrics.Aggregates())));
        return endpoints;
    }
}
