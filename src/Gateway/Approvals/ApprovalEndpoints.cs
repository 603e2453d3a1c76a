using System.Text.Json;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOperator.Gateway.Approvals;

/// <summary>
/// The approval API for humans, hosted by the operator process (or alone in tests):
/// <c>POST /approvals/{namespace}/{name}/approve</c> and <c>.../deny</c> with the approver's bearer token and
/// an optional <c>{"comment": "..."}</c> body. TokenReview identifies the approver, SubjectAccessReview
/// checks verb <c>approve</c> on <c>agentapprovals</c> in that namespace, and the verdict is recorded in the
/// approval's status. Answers: 200 with the status; 401 unauthenticated; 403 not allowed; 404; 409 already
/// decided or the same user approving twice; 410 expired. Needs <see cref="AddApprovalApi"/>.
/// </summary>
public static class ApprovalEndpoints
{
    private const int MaxCommentBodyBytes = 8 * 1024;

    /// <summary>Registers what the approval API needs; an <c>IKubernetes</c> must be registered too.</summary>
    public static IServiceCollection AddApprovalApi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ApproverAuthorization(sp.GetRequiredService<k8s.IKubernetes>()));
        services.AddSingleton(sp => new ApprovalVerdicts(sp.GetRequiredService<k8s.IKubernetes>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Maps the approval API under <c>/approvals</c>.</summary>
    public static RouteGroupBuilder MapApprovalApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/approvals");
        group.MapPost("/{namespace}/{name}/approve", (HttpContext context, string @namespace, string name, ApproverAuthorization authorization, ApprovalVerdicts verdicts) =>
            DecideAsync(context, @namespace, name, ApproverVerdict.Approve, authorization, verdicts));
        group.MapPost("/{namespace}/{name}/deny", (HttpContext context, string @namespace, string name, ApproverAuthorization authorization, ApprovalVerdicts verdicts) =>
            DecideAsync(context, @namespace, name, ApproverVerdict.Deny, authorization, verdicts));
        return group;
    }

    private static async Task<IResult> DecideAsync(HttpContext context, string @namespace, string name, ApproverVerdict verdict, ApproverAuthorization authorization, ApprovalVerdicts verdicts)
    {
        var cancellationToken = context.RequestAborted;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            return RefusalProblem.Result(StatusCodes.Status401Unauthorized, RefusalProblem.Deny, "approval.authentication", "a bearer token identifying the approver is required");
        }

        var approver = await authorization.AuthenticateAsync(header["Bearer ".Length..].Trim(), cancellationToken);
        if (approver is null)
        {
            return RefusalProblem.Result(StatusCodes.Status401Unauthorized, RefusalProblem.Deny, "approval.authentication", "the bearer token was not authenticated by the API server");
        }

        if (!await authorization.MayApproveAsync(approver, @namespace, name, cancellationToken))
        {
            return RefusalProblem.Result(StatusCodes.Status403Forbidden, RefusalProblem.Deny, "approval.authorization",
                $"{approver.User} may not {ApproverAuthorization.Verb} {AgentApproval.Plural} in namespace {@namespace}");
        }

        var body = await BoundedBody.ReadAsync(context.Request, MaxCommentBodyBytes, cancellationToken);
        if (body is null)
        {
            return RefusalProblem.Result(StatusCodes.Status413PayloadTooLarge, RefusalProblem.Invalid, "request.size", $"the body exceeds {MaxCommentBodyBytes} bytes");
        }

        string? comment = null;
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new JsonException("not an object");
                }

                comment = document.RootElement.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            }
            catch (JsonException)
            {
                return RefusalProblem.Result(StatusCodes.Status400BadRequest, RefusalProblem.Invalid, "request.json", "the body must be a JSON object such as {\"comment\": \"...\"}");
            }
        }

        if (comment is { Length: > 1024 })
        {
            comment = comment[..1024];
        }

        var outcome = await verdicts.RecordAsync(@namespace, name, approver.User, verdict, comment, cancellationToken);
        return outcome.Result switch
        {
            ApprovalVerdictResult.Recorded => TypedResults.Ok(new ApprovalVerdictResponse(@namespace, name, outcome.Approval!.Status!)),
            ApprovalVerdictResult.NotFound => RefusalProblem.Result(StatusCodes.Status404NotFound, RefusalProblem.Invalid, "approval.not_found", $"no AgentApproval {@namespace}/{name}"),
            ApprovalVerdictResult.Expired => RefusalProblem.Result(StatusCodes.Status410Gone, RefusalProblem.Deny, "approval.expired", $"AgentApproval {@namespace}/{name} expired at {outcome.Approval!.Spec.ExpiresAt:O}"),
            ApprovalVerdictResult.AlreadyDecided => RefusalProblem.Result(StatusCodes.Status409Conflict, RefusalProblem.Deny, "approval.decided", $"AgentApproval {@namespace}/{name} is already {outcome.Approval!.Status!.Decision}"),
            ApprovalVerdictResult.SameApprover => RefusalProblem.Result(StatusCodes.Status409Conflict, RefusalProblem.Deny, "approval.distinct_approvers",
                $"{approver.User} already decided on {@namespace}/{name}; a further approval must come from a different user"),
            _ => throw new InvalidOperationException($"unexpected verdict result {outcome.Result}"),
        };
    }
}
