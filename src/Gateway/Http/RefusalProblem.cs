using Microsoft.AspNetCore.Mvc;

namespace AgentOperator.Gateway.Http;

/// <summary>
/// Builds the RFC 7807 body of every refusal: <c>application/problem+json</c> with the extension members
/// <c>decision</c>, <c>rule</c> and <c>reason</c>, plus <c>errors: [{pointer, message}]</c> for 422.
/// Nothing secret goes in: reasons are policy sentences, errors are schema messages.
/// </summary>
public static class RefusalProblem
{
    public const string Deny = "deny";
    public const string Escalate = "escalate";
    public const string Invalid = "invalid";
    public const string BudgetExceeded = "budget_exceeded";
    public const string RateLimited = "rate_limited";
    public const string Error = "error";

    /// <summary>Builds the problem details of a refusal.</summary>
    public static ProblemDetails Create(int status, string decision, string rule, string reason, IReadOnlyList<InputError>? errors = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = Title(status),
            Type = $"https://agentoperator.io/problems/{decision}",
            Detail = reason,
        };
        problem.Extensions["decision"] = decision;
        problem.Extensions["rule"] = rule;
        problem.Extensions["reason"] = reason;
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors;
        }

        return problem;
    }

    /// <summary>The refusal as a minimal-API result.</summary>
    public static IResult Result(int status, string decision, string rule, string reason, IReadOnlyList<InputError>? errors = null) =>
        TypedResults.Problem(Create(status, decision, rule, reason, errors));

    private static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Malformed request",
        StatusCodes.Status403Forbidden => "Refused by policy",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status410Gone => "Expired",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        StatusCodes.Status422UnprocessableEntity => "Invalid input",
        StatusCodes.Status429TooManyRequests => "Limit reached",
        StatusCodes.Status502BadGateway => "Upstream failed",
        StatusCodes.Status503ServiceUnavailable => "Unavailable",
        StatusCodes.Status504GatewayTimeout => "Upstream timed out",
        _ => "Refused",
    };
}
