using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Http;

/// <summary>
/// Builds the RFC 7807 body of every refusal: <c>application/problem+json</c> with the extension members
/// <c>decision</c>, <c>rule</c> and <c>reason</c>, plus <c>errors: [{pointer, message}]</c> for 422.
/// Nothing secret goes in: reasons are policy sentences, errors are schema messages.
/// </summary>
public static class RefusalProblem
{
    public const string ContentType = "application/problem+json";
    public const string Deny = ToolDecisions.Deny;
    public const string Escalate = ToolDecisions.Escalate;
    public const string Invalid = "invalid";
    public const string BudgetExceeded = "budget_exceeded";
    public const string RateLimited = "rate_limited";
    public const string Error = ToolDecisions.Error;

    /// <summary>The problem document.</summary>
    public static JsonObject Create(int status, string decision, string rule, string reason, IReadOnlyList<InputError>? errors = null, JsonObject? extra = null)
    {
        var problem = new JsonObject
        {
            ["type"] = $"https://agentoperator.io/problems/{decision}",
            ["title"] = Title(status),
            ["status"] = status,
            ["detail"] = reason,
            ["decision"] = decision,
            ["rule"] = rule,
            ["reason"] = reason,
        };
        if (errors is { Count: > 0 })
        {
            problem["errors"] = new JsonArray([.. errors.Select(e => (JsonNode)new JsonObject { ["pointer"] = e.JsonPointer, ["message"] = e.Message })]);
        }

        foreach (var (name, value) in extra ?? [])
        {
            problem[name] = value?.DeepClone();
        }

        return problem;
    }

    /// <summary>The problem document as UTF-8 bytes.</summary>
    public static byte[] Bytes(int status, string decision, string rule, string reason, IReadOnlyList<InputError>? errors = null, JsonObject? extra = null) =>
        JsonSerializer.SerializeToUtf8Bytes(Create(status, decision, rule, reason, errors, extra));

    /// <summary>The refusal as a minimal-API result.</summary>
    public static IResult Result(int status, string decision, string rule, string reason, IReadOnlyList<InputError>? errors = null) =>
        Results.Text(Create(status, decision, rule, reason, errors).ToJsonString(), ContentType, System.Text.Encoding.UTF8, status);

    private static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Malformed request",
        StatusCodes.Status401Unauthorized => "Unauthenticated",
        StatusCodes.Status402PaymentRequired => "Budget exhausted",
        StatusCodes.Status403Forbidden => "Refused by policy",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status410Gone => "Expired",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status422UnprocessableEntity => "Invalid input",
        StatusCodes.Status429TooManyRequests => "Limit reached",
        StatusCodes.Status502BadGateway => "Upstream failed",
        StatusCodes.Status503ServiceUnavailable => "Unavailable",
        StatusCodes.Status504GatewayTimeout => "Upstream timed out",
        _ => "Refused",
    };
}
