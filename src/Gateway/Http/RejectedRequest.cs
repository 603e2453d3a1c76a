using System.Security.Cryptography;
using AgentOperator.Gateway.Audit;

namespace AgentOperator.Gateway.Http;

/// <summary>
/// Refuses a request that is not a tool or model call (run endpoints, <c>/mcp</c>) before anything else reads
/// it: a <c>request.rejected</c> audit record and a problem document, and no budget is touched.
/// </summary>
public sealed class RejectedRequest(AuditLog audit, TimeProvider timeProvider)
{
    /// <summary>Audits the refusal of <paramref name="context"/>'s request and returns the problem document's bytes.</summary>
    public byte[] Refuse(HttpContext context, byte[]? body, int status, string rule, string reason, IReadOnlyList<InputError>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        audit.Append(new AuditRecord
        {
            Time = timeProvider.GetUtcNow(),
            Kind = AuditKinds.RequestRejected,
            RunId = context.Request.Headers["X-Agent-Run"].FirstOrDefault() ?? context.Request.RouteValues["runId"] as string,
            Decision = RefusalProblem.Invalid,
            Rule = rule,
            Reason = $"{context.Request.Method} {context.Request.Path}: {reason}",
            Status = status,
            InputSha256 = body is null ? null : Convert.ToHexStringLower(SHA256.HashData(body)),
            InputBytes = body?.Length,
            Executed = false,
        });
        return RefusalProblem.Bytes(status, RefusalProblem.Invalid, rule, reason, errors);
    }

    /// <summary>The refusal as a minimal-API result.</summary>
    public IResult Result(HttpContext context, byte[]? body, int status, string rule, string reason, IReadOnlyList<InputError>? errors = null) =>
        Results.Text(Refuse(context, body, status, rule, reason, errors), RefusalProblem.ContentType, status);
}
