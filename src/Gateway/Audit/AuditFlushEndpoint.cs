using AgentOperator.Contracts;
using AgentOperator.Gateway.Http;
using AgentOperator.Gateway.Tools;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// <see cref="GatewayShutdown.AuditFlushPath"/> on the loopback listener, what the preStop hook's <c>flush</c> calls:
/// everything written so far goes to disk and to the collector, and the answer waits for the acknowledgement
/// (<see cref="AuditFlushResult"/>, 200) for at most <see cref="GatewayShutdown.PreStopFlushTimeout"/> (else 503
/// <c>audit.store</c> naming the store's problem). Agent traffic goes on meanwhile: an agent finishing its run still
/// needs its gateway.
/// </summary>
public static class AuditFlushEndpoint
{
    public static void MapAuditFlush(this IEndpointRouteBuilder app, AuditLog audit, TimeProvider timeProvider)
    {
        app.MapPost(GatewayShutdown.AuditFlushPath, async (CancellationToken cancellationToken) =>
        {
            var started = timeProvider.GetTimestamp();
            await audit.FlushAsync(cancellationToken);
            var written = audit.WrittenThrough;
            if (audit.Shipper is not { } shipper)
            {
                return Results.Json(new AuditFlushResult(written, null, timeProvider.GetElapsedTime(started).TotalSeconds));
            }

            if (await shipper.ShipThroughAsync(written, GatewayShutdown.PreStopFlushTimeout, cancellationToken))
            {
                return Results.Json(new AuditFlushResult(written, shipper.AcknowledgedThrough, timeProvider.GetElapsedTime(started).TotalSeconds));
            }

            return RefusalProblem.Result(StatusCodes.Status503ServiceUnavailable, RefusalProblem.Error, ToolCallService.AuditStoreRule,
                $"the audit store acknowledged records through {shipper.AcknowledgedThrough} of {written} within {GatewayShutdown.PreStopFlushTimeout.TotalSeconds:0} s ({shipper.Problem ?? "no answer yet"}); the rest stays in the pod's buffer");
        });
    }
}
