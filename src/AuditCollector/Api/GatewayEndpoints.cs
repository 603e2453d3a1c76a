using System.Text.Json;
using AgentOperator.AuditCollector.Identity;
using AgentOperator.AuditCollector.Store;
using AgentOperator.AuditCollector.Telemetry;
using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Api;

/// <summary>
/// What gateways call, each with its projected token for <see cref="AuditCollectorApi.Audience"/>: ship a batch (answered
/// only once fsynced), report the head, read back how far its chain is stored. The chain is the caller's, from the
/// token; there is no way to name, rewrite or delete another.
/// </summary>
public static class GatewayEndpoints
{
    public static void MapGatewayApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(AuditCollectorApi.BatchesPath, ShipAsync);
        app.MapPost(AuditCollectorApi.HeadPath, ReportHeadAsync);
        app.MapGet(AuditCollectorApi.HeadPath, DurableAsync);
    }

    private static async Task<IResult> ShipAsync(HttpRequest request, TokenAuthenticator authenticator, ChainStore store, RecordForwarder forwarder, CollectorMetrics metrics, CancellationToken cancellationToken)
    {
        return await GuardAsync(metrics, async () =>
        {
            var identity = await authenticator.GatewayAsync(request, cancellationToken);
            var batch = await ReadAsync<AuditBatch>(request, cancellationToken);
            if (batch is not { Lines: not null } || batch.FirstSequence < 1 || batch.Lines.Count is 0 or > AuditCollectorApi.MaxBatchRecords)
            {
                metrics.RefusedBatches.WithLabels("invalid").Inc();
                return Problem(StatusCodes.Status422UnprocessableEntity, $"a batch is {{\"firstSequence\": N >= 1, \"lines\": [1 to {AuditCollectorApi.MaxBatchRecords} sealed records]}}");
            }

            var chain = await store.GetAsync(identity, cancellationToken);
            var result = await chain.AppendAsync(batch, forwarder, cancellationToken);
            if (result.Acknowledgement is { } acknowledgement)
            {
                if (result.Stored > 0)
                {
                    metrics.StoredRecords.WithLabels(identity.Namespace, identity.Workflow).Inc(result.Stored);
                    metrics.StoreFull.Set(0);
                }

                return Results.Json(acknowledgement, AuditChain.SerializerOptions);
            }

            metrics.RefusedBatches.WithLabels(result.Reason!).Inc();
            if (result.Reason == "store")
            {
                metrics.StoreWriteFailures.Inc();
                metrics.StoreFull.Set(result.Status == StatusCodes.Status507InsufficientStorage ? 1 : 0);
            }

            return Problem(result.Status, result.Message!);
        });
    }

    private static async Task<IResult> ReportHeadAsync(HttpRequest request, TokenAuthenticator authenticator, ChainStore store, CollectorMetrics metrics, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        return await GuardAsync(metrics, async () =>
        {
            var identity = await authenticator.GatewayAsync(request, cancellationToken);
            var head = await ReadAsync<AuditHead>(request, cancellationToken);
            if (head is not { Sha256.Length: 64 } || head.Sequence < 0)
            {
                return Problem(StatusCodes.Status422UnprocessableEntity, "a head is {\"sequence\": N >= 0, \"sha256\": 64 hex digits, \"time\": RFC 3339}");
            }

            var chain = await store.GetAsync(identity, cancellationToken);
            await chain.ReportAsync(head, timeProvider.GetUtcNow(), cancellationToken);
            return Results.Json(chain.Acknowledgement, AuditChain.SerializerOptions);
        });
    }

    private static async Task<IResult> DurableAsync(HttpRequest request, TokenAuthenticator authenticator, ChainStore store, CollectorMetrics metrics, CancellationToken cancellationToken)
    {
        return await GuardAsync(metrics, async () =>
        {
            var identity = await authenticator.GatewayAsync(request, cancellationToken);
            var chain = await store.GetAsync(identity, cancellationToken);
            return Results.Json(chain.Acknowledgement, AuditChain.SerializerOptions);
        });
    }

    /// <summary>Turns a rejected caller, a malformed body and an unreachable API server into their problem documents.</summary>
    internal static async Task<IResult> GuardAsync(CollectorMetrics metrics, Func<Task<IResult>> handle)
    {
        try
        {
            return await handle();
        }
        catch (CallerRejectedException exception)
        {
            metrics.RefusedBatches.WithLabels(exception.Status == StatusCodes.Status401Unauthorized ? "unauthenticated" : "forbidden").Inc();
            return Problem(exception.Status, exception.Message);
        }
        catch (JsonException exception)
        {
            metrics.RefusedBatches.WithLabels("invalid").Inc();
            return Problem(StatusCodes.Status400BadRequest, $"the body is not the expected JSON: {exception.Message}");
        }
        catch (BadHttpRequestException exception)
        {
            metrics.RefusedBatches.WithLabels("invalid").Inc();
            return Problem(exception.StatusCode, exception.Message);
        }
        catch (IOException exception)
        {
            // Opening a new chain on a volume that cannot take its files (full, broken).
            metrics.RefusedBatches.WithLabels("store").Inc();
            metrics.StoreWriteFailures.Inc();
            var refusal = StoreVolume.Refusal(exception, "a new chain");
            metrics.StoreFull.Set(refusal.Status == StatusCodes.Status507InsufficientStorage ? 1 : 0);
            return Problem(refusal.Status, refusal.Message!);
        }
        catch (Exception exception) when (exception is HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, $"the collector cannot reach the API server to authenticate the caller: {exception.Message}");
        }
    }

    internal static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);

    private static async Task<T?> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > AuditCollectorApi.MaxBatchBytes)
        {
            throw new BadHttpRequestException($"the body exceeds {AuditCollectorApi.MaxBatchBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        return await JsonSerializer.DeserializeAsync<T>(request.Body, AuditChain.SerializerOptions, cancellationToken);
    }
}
