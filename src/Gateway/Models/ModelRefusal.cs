using System.Text.Json.Nodes;
using AgentOperator.Gateway.Http;

namespace AgentOperator.Gateway.Models;

/// <summary>
/// A refusal on the OpenAI surface. OpenAI SDKs read the <c>error</c> object ({message, type, code, param})
/// and the <c>x-should-retry</c> header; everything else reads the problem+json members, so the body carries
/// both. The message starts with the rule so an agent that only prints the SDK's message still sees why.
/// </summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Decision">The problem+json <c>decision</c> (deny, invalid, budget_exceeded, error, ...).</param>
/// <param name="Rule">The rule or budget that refused; the OpenAI <c>code</c>.</param>
/// <param name="Reason">One human sentence.</param>
/// <param name="Error">The offending member, for invalid requests.</param>
/// <param name="ShouldRetry">True only where the same request may succeed later (an unreachable endpoint, budget held by calls in flight).</param>
/// <param name="RetryAfterSeconds">Sent as <c>Retry-After</c>: when a retry may succeed (OpenAI's SDKs wait that long).</param>
public sealed record ModelRefusal(int Status, string Decision, string Rule, string Reason, InputError? Error = null, bool ShouldRetry = false, int? RetryAfterSeconds = null)
{
    /// <summary>The header OpenAI's SDKs read before retrying.</summary>
    public const string ShouldRetryHeader = "x-should-retry";

    /// <summary>The OpenAI <c>error</c> object: also what a stream cut sends as its last event.</summary>
    public JsonObject OpenAiError() => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = $"{Rule}: {Reason}",
            ["type"] = OpenAiType,
            ["code"] = Rule,
            ["param"] = Error is { JsonPointer.Length: > 1 } e ? e.JsonPointer[1..].Split('/')[0] : null,
        },
    };

    /// <summary>Writes the refusal: status, <c>x-should-retry</c>, problem+json with the OpenAI error.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = Status;
        response.ContentType = RefusalProblem.ContentType;
        response.Headers[ShouldRetryHeader] = ShouldRetry ? "true" : "false";
        if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await response.Body.WriteAsync(RefusalProblem.Bytes(Status, Decision, Rule, Reason, Error is null ? null : [Error], OpenAiError()), cancellationToken);
    }

    // OpenAI's error types, so SDKs and agents classify the refusal as they would a provider's.
    private string OpenAiType => Decision switch
    {
        RefusalProblem.Invalid => "invalid_request_error",
        RefusalProblem.BudgetExceeded => "insufficient_quota",
        RefusalProblem.RateLimited => "rate_limit_error",
        RefusalProblem.Error => "api_error",
        _ when Status == StatusCodes.Status404NotFound => "not_found_error",
        _ => "permission_error",
    };
}
