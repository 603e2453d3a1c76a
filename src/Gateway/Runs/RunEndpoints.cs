using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;
using AgentOperator.Policy.Inputs;

namespace AgentOperator.Gateway.Runs;

/// <summary>
/// <c>POST /v1/runs</c> <c>{"task": "..."}</c> → 201 <c>{"runId"}</c>; <c>POST /v1/runs/{runId}/complete</c>
/// <c>{"outcome": "success" | "escalated" | "failed", "evalPassed"?: bool}</c> → 200 with the run's usage.
/// </summary>
public static class RunEndpoints
{
    private const int MaxRunBodyBytes = 16 * 1024;

    /// <summary>Maps the run endpoints.</summary>
    public static IEndpointRouteBuilder MapRunApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/runs", async (HttpContext context, RunRegistry runs, PolicyHolder policies, RejectedRequest rejected) =>
        {
            if (policies.Current is not { } active)
            {
                return RefusalProblem.Result(StatusCodes.Status503ServiceUnavailable, RefusalProblem.Deny, "bundle", "no policy bundle is loaded");
            }

            var (body, problem) = await ReadObjectAsync(context, rejected);
            if (problem is not null)
            {
                return problem;
            }

            string? task = null;
            if (body is { } root && root.TryGetProperty("task", out var t))
            {
                if (t.ValueKind != JsonValueKind.String)
                {
                    return rejected.Result(context, null, StatusCodes.Status422UnprocessableEntity, "request.schema", "task must be a string", [new InputError("/task", "expected a string")]);
                }

                task = t.GetString();
            }

            if (runs.Start(active.Engine.Bundle, task) is not { } run)
            {
                return rejected.Result(context, null, RefusalStatuses.RetryLater, "runs.open",
                    $"this gateway already has {runs.ActiveCount} open runs, its limit (serve --max-open-runs): complete a run, or wait until idle runs expire");
            }

            return Results.Json(new { runId = run.Id, workflow = run.Labels.Workflow, revision = run.Labels.Revision }, statusCode: StatusCodes.Status201Created);
        });

        endpoints.MapPost("/v1/runs/{runId}/complete", async (HttpContext context, string runId, RunRegistry runs, RejectedRequest rejected) =>
        {
            var (body, problem) = await ReadObjectAsync(context, rejected);
            if (problem is not null)
            {
                return problem;
            }

            if (runs.Find(runId) is not { } run)
            {
                return rejected.Result(context, null, StatusCodes.Status404NotFound, "run", $"run '{runId}' does not exist");
            }

            var outcome = body is { } root && root.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
            if (outcome is null || !RunOutcomes.Reportable.Contains(outcome))
            {
                return rejected.Result(context, null, StatusCodes.Status422UnprocessableEntity, "request.schema", "outcome must be one of success, escalated, failed",
                    [new InputError("/outcome", "expected one of success, escalated, failed")]);
            }

            bool? evalPassed = body!.Value.TryGetProperty("evalPassed", out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null;
            if (!runs.End(run, outcome, evalPassed: evalPassed))
            {
                return rejected.Result(context, null, StatusCodes.Status409Conflict, "run", $"the run already ended ({run.Outcome})");
            }

            var usage = run.Ledger.Committed;
            return Results.Json(new { runId, outcome, steps = usage.Steps, toolCalls = usage.ToolCalls, tokens = usage.Tokens, costUsd = usage.CostUsd });
        });
        return endpoints;
    }

    private static async Task<(JsonElement? Body, IResult? Problem)> ReadObjectAsync(HttpContext context, RejectedRequest rejected)
    {
        var bytes = await BoundedBody.ReadAsync(context.Request, MaxRunBodyBytes, context.RequestAborted);
        if (bytes is null)
        {
            return (null, rejected.Result(context, null, StatusCodes.Status413PayloadTooLarge, "request.size", $"the request body exceeds the limit of {MaxRunBodyBytes} bytes"));
        }

        if (bytes.Length == 0)
        {
            return (null, null);
        }

        if (!StrictJson.TryParse(bytes, out var body, out var malformed))
        {
            return (null, rejected.Result(context, bytes, StatusCodes.Status400BadRequest, "request.json", $"the request body is not strict JSON: {malformed.Message}",
                [new InputError(malformed.Pointer, malformed.Message)]));
        }

        return body.ValueKind == JsonValueKind.Object
            ? (body, null)
            : (null, rejected.Result(context, bytes, StatusCodes.Status422UnprocessableEntity, "request.schema", "the body must be a JSON object", [new InputError("", "expected an object")]));
    }
}
