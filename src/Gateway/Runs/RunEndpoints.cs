using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;

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
        endpoints.MapPost("/v1/runs", async (HttpContext context, RunRegistry runs, PolicyHolder policies) =>
        {
            if (policies.Current is not { } active)
            {
                return RefusalProblem.Result(StatusCodes.Status503ServiceUnavailable, RefusalProblem.Deny, "bundle", "no policy bundle is loaded");
            }

            var (body, problem) = await ReadObjectAsync(context);
            if (problem is not null)
            {
                return problem;
            }

            string? task = null;
            if (body is { } root && root.TryGetProperty("task", out var t))
            {
                if (t.ValueKind != JsonValueKind.String)
                {
                    return RefusalProblem.Result(StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, "request.schema", "task must be a string", [new InputError("/task", "expected a string")]);
                }

                task = t.GetString();
            }

            var run = runs.Start(active.Engine.Bundle, task);
            return Results.Json(new { runId = run.Id, workflow = run.Labels.Workflow, revision = run.Labels.Revision }, statusCode: StatusCodes.Status201Created);
        });

        endpoints.MapPost("/v1/runs/{runId}/complete", async (HttpContext context, string runId, RunRegistry runs) =>
        {
            var (body, problem) = await ReadObjectAsync(context);
            if (problem is not null)
            {
                return problem;
            }

            if (runs.Find(runId) is not { } run)
            {
                return RefusalProblem.Result(StatusCodes.Status404NotFound, RefusalProblem.Deny, "run", $"run '{runId}' does not exist");
            }

            var outcome = body is { } root && root.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
            if (outcome is null || !RunOutcomes.Reportable.Contains(outcome))
            {
                return RefusalProblem.Result(StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, "request.schema", "outcome must be one of success, escalated, failed",
                    [new InputError("/outcome", "expected one of success, escalated, failed")]);
            }

            bool? evalPassed = body!.Value.TryGetProperty("evalPassed", out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null;
            if (!runs.End(run, outcome, evalPassed: evalPassed))
            {
                return RefusalProblem.Result(StatusCodes.Status409Conflict, RefusalProblem.Deny, "run", $"the run already ended ({run.Outcome})");
            }

            var usage = run.Ledger.Committed;
            return Results.Json(new { runId, outcome, steps = usage.Steps, toolCalls = usage.ToolCalls, tokens = usage.Tokens, costUsd = usage.CostUsd });
        });
        return endpoints;
    }

    private static async Task<(JsonElement? Body, IResult? Problem)> ReadObjectAsync(HttpContext context)
    {
        var bytes = await BoundedBody.ReadAsync(context.Request, MaxRunBodyBytes, context.RequestAborted);
        if (bytes is null)
        {
            return (null, RefusalProblem.Result(StatusCodes.Status413PayloadTooLarge, RefusalProblem.Invalid, "request.size", $"the request body exceeds {MaxRunBodyBytes} bytes"));
        }

        if (bytes.Length == 0)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (document.RootElement.Clone(), null)
                : (null, RefusalProblem.Result(StatusCodes.Status422UnprocessableEntity, RefusalProblem.Invalid, "request.schema", "the body must be a JSON object", [new InputError("", "expected an object")]));
        }
        catch (JsonException)
        {
            return (null, RefusalProblem.Result(StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", "the request body is not valid JSON"));
        }
    }
}
