using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Approvals;

/// <summary>
/// The status fields the operator owns on an AgentApproval, as a merge patch guarded by the read resourceVersion.
/// <c>approvals</c> is written only to create the empty list (a merge patch replaces lists whole, and the verdicts
/// belong to the approvers who appended them).
/// </summary>
internal static class ApprovalStatusPatch
{
    /// <remarks>A null <paramref name="approvers"/> or <paramref name="expiresIn"/> removes the field (merge patch null).</remarks>
    public static string Build(AgentApproval read, ApprovalDecision decision, DateTimeOffset? decidedAt, int announced, string? approvers, string? expiresIn)
    {
        var status = new JsonObject
        {
            ["decision"] = decision.ToString(),
            ["announcedVerdicts"] = announced,
            ["approvers"] = approvers,
            ["expiresIn"] = expiresIn,
        };
        if (decidedAt is { } at)
        {
            status["decidedAt"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        if (read.Status?.Approvals is null)
        {
            status["approvals"] = new JsonArray();
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = read.Metadata.ResourceVersion },
            ["status"] = status,
        }.ToJsonString();
    }
}
