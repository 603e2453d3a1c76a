using System.Net;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Autorest;

namespace AgentOperator.Gateway.Approvals;

/// <summary>
/// Records an approver's verdict in an AgentApproval's status: appends {user, verdict, time, comment},
/// decides Denied on any deny, Approved once <c>approvalsRequired</c> distinct users approved, Expired
/// after <c>expiresAt</c>. Writes through the status subresource with the read resourceVersion and
/// re-reads on conflict, so two approvers acting at once are both recorded, in order.
/// </summary>
public sealed class ApprovalVerdicts(IKubernetes kubernetes, TimeProvider timeProvider)
{
    private const int MaxConflictRetries = 8;

    /// <summary>Records <paramref name="verdict"/> by <paramref name="user"/> on the named approval.</summary>
    public async Task<ApprovalVerdictOutcome> RecordAsync(string @namespace, string name, string user, ApproverVerdict verdict, string? comment, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            AgentApproval approval;
            try
            {
                approval = await kubernetes.CustomObjects.GetNamespacedCustomObjectAsync<AgentApproval>(ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, name, cancellationToken);
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return new(ApprovalVerdictResult.NotFound, null);
            }

            var now = timeProvider.GetUtcNow();
            var status = approval.Status ?? new AgentApprovalStatus();
            var result = Decide(approval.Spec, status, user, verdict, comment, now, out var next);
            if (next is null)
            {
                return new(result, approval);
            }

            approval.Status = next;
            try
            {
                var written = await kubernetes.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<AgentApproval>(approval, ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, name, cancellationToken: cancellationToken);
                return new(result, written);
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.Conflict && attempt < MaxConflictRetries)
            {
                // Someone else wrote the status meanwhile: read again and decide on the fresh state.
            }
        }
    }

    /// <summary>The pure decision: the result and the status to write (null: nothing to write).</summary>
    public static ApprovalVerdictResult Decide(AgentApprovalSpec spec, AgentApprovalStatus status, string user, ApproverVerdict verdict, string? comment, DateTimeOffset now, out AgentApprovalStatus? next)
    {
        next = null;
        if (status.Decision != ApprovalDecision.Pending)
        {
            return status.Decision == ApprovalDecision.Expired ? ApprovalVerdictResult.Expired : ApprovalVerdictResult.AlreadyDecided;
        }

        if (now >= spec.ExpiresAt)
        {
            next = status with { Decision = ApprovalDecision.Expired, DecidedAt = now };
            return ApprovalVerdictResult.Expired;
        }

        var approvals = status.Approvals ?? [];
        if (approvals.Any(a => string.Equals(a.User, user, StringComparison.Ordinal)))
        {
            return ApprovalVerdictResult.SameApprover;
        }

        approvals = [.. approvals, new ApproverDecision { User = user, Verdict = verdict, Time = now, Comment = comment }];
        var approvers = approvals.Where(a => a.Verdict == ApproverVerdict.Approve).Select(a => a.User).Distinct(StringComparer.Ordinal).Count();
        var decision = verdict == ApproverVerdict.Deny ? ApprovalDecision.Denied
            : approvers >= spec.ApprovalsRequired ? ApprovalDecision.Approved
            : ApprovalDecision.Pending;
        next = status with
        {
            Approvals = approvals,
            Decision = decision,
            DecidedAt = decision == ApprovalDecision.Pending ? null : now,
        };
        return ApprovalVerdictResult.Recorded;
    }
}
