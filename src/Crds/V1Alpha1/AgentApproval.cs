using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentOperator.Contracts;
using AgentOperator.Crds.Schema;
using k8s;
using k8s.Models;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>
/// One pending high-risk action awaiting human approval. The gateway of the revision it names creates it;
/// approvers append their verdict to <c>status.approvals</c> through the status subresource with kubectl, and the
/// ValidatingAdmissionPolicies of <c>config/admission</c> make the API server refuse a verdict whose user is not
/// the user it authenticated, who lacks the <c>approve</c> verb, who already gave one, or that comes after the
/// decision. The operator turns the verdicts into <c>status.decision</c>.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = Plural)]
[ShortNames("aa")]
[Categories("agents")]
[PrinterColumn("Workflow", "string", ".spec.workflow")]
[PrinterColumn("Tool", "string", ".spec.tool")]
[PrinterColumn("Tier", "integer", ".spec.riskTier")]
[PrinterColumn("Decision", "string", ".status.decision")]
// kube-apiserver prints only the first match of a column's JSONPath, so ".status.approvals[*].user" would show one
// approver of two: the operator keeps the names in one field instead.
[PrinterColumn("Approvers", "string", ".status.approvers", Description = "Users who gave a verdict, in order")]
// A "date" column prints the age of its value (apimachinery's HumanDuration), which is "<invalid>" for any time
// still ahead, so the operator keeps the time left of a pending approval as a duration in status (status.expiresIn),
// rewritten whenever the printed value changes; the timestamp itself is in -o wide.
[PrinterColumn("Expires In", "string", ".status.expiresIn", Description = "Time left to decide, while pending")]
[PrinterColumn("Expires At", "string", ".spec.expiresAt", Priority = 1, Description = "When the approval lapses if nobody decides (RFC 3339).")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class AgentApproval : IKubernetesObject<V1ObjectMeta>, ISpec<AgentApprovalSpec>, IStatus<AgentApprovalStatus?>
{
    public const string KubeKind = "AgentApproval";
    public const string Plural = "agentapprovals";

    /// <summary>APIVersion of this representation: agentoperator.io/v1alpha1.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>Kind of this resource: AgentApproval.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The action awaiting approval. Immutable once created.</summary>
    [Required]
    [JsonPropertyName("spec")]
    public AgentApprovalSpec Spec { get; set; } = null!;

    /// <summary>Decision and who made it.</summary>
    [JsonPropertyName("status")]
    public AgentApprovalStatus? Status { get; set; }
}

/// <summary>The action awaiting approval.</summary>
[CelRule("self == oldSelf", Message = "spec is immutable: an approval is for exactly the action it was created for")]
public sealed record AgentApprovalSpec
{
    /// <summary>AgentWorkflow that asked.</summary>
    [Required, Length(Min = 1, Max = 253)]
    public required string Workflow { get; init; }

    /// <summary>Revision of the workflow that asked.</summary>
    [Required, Length(Min = 1, Max = 63)]
    public required string Revision { get; init; }

    /// <summary>Run the call belongs to.</summary>
    [Required, Length(Min = 1, Max = 128)]
    public required string RunId { get; init; }

    /// <summary>Tool to be called.</summary>
    [Required, Pattern(ToolNames.Pattern), Length(Max = 128)]
    public required string Tool { get; init; }

    /// <summary>Action of the call.</summary>
    [Required]
    public required ToolAction Action { get; init; }

    /// <summary>The tool input, redacted per the workflow's policy.</summary>
    [PreserveUnknownFields]
    public JsonObject? Input { get; init; }

    /// <summary>SHA-256 of the unredacted input: the approval is valid only for exactly this input.</summary>
    [Required, Pattern("^[a-f0-9]{64}$")]
    public required string InputSha256 { get; init; }

    /// <summary>Risk tier of the tool.</summary>
    [Required, Minimum(0), Maximum(4)]
    public required int RiskTier { get; init; }

    /// <summary>Distinct approvers required: 1, or 2 for tier 4.</summary>
    [Required, Minimum(1), Maximum(2)]
    public required int ApprovalsRequired { get; init; }

    /// <summary>Why approval is needed: the autonomy level or the policy rule that escalated.</summary>
    [Length(Max = 1024)]
    public string? PolicyReason { get; init; }

    /// <summary>What the agent says it means to achieve with the call (its X-Agent-Intent header): a claim, not evidence.</summary>
    [Length(Max = ActionPacket.MaxIntentLength)]
    public string? Intent { get; init; }

    /// <summary>Why the agent says it takes this action (its X-Agent-Reason header): a claim, not evidence.</summary>
    [Length(Max = ActionPacket.MaxReasonLength)]
    public string? Reason { get; init; }

    /// <summary>After this time the approval can no longer be granted and the call is refused.</summary>
    [Required, Format("date-time")]
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>Decision on an approval.</summary>
public sealed record AgentApprovalStatus
{
    /// <summary>Pending, Approved, Denied or Expired. Written by the operator from the verdicts and the expiry; final once not Pending.</summary>
    [Default("Pending")]
    public ApprovalDecision Decision { get; init; } = ApprovalDecision.Pending;

    /// <summary>Each approver's verdict, in order. Append-only; each entry is added by the approver it names.</summary>
    [Items(Max = 10)]
    public IReadOnlyList<ApproverDecision>? Approvals { get; init; }

    /// <summary>The users of <c>approvals</c>, comma-separated, written by the operator for <c>kubectl get</c>.</summary>
    [Length(Max = 2600)]
    public string? Approvers { get; init; }

    /// <summary>
    /// Time left until <c>spec.expiresAt</c> while Pending, e.g. "14m", "1h5m", "40s", rounded down and rewritten by the
    /// operator whenever that text changes; absent once decided.
    /// </summary>
    [Length(Max = 16)]
    public string? ExpiresIn { get; init; }

    /// <summary>How many of <c>approvals</c> the operator has announced as Events on the workflow.</summary>
    [Minimum(0), Maximum(10)]
    public int? AnnouncedVerdicts { get; init; }

    /// <summary>When the final decision was made.</summary>
    [Format("date-time")]
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>When the approved call was executed; an approval is consumed exactly once.</summary>
    [Format("date-time")]
    public DateTimeOffset? ExecutedAt { get; init; }
}

/// <summary>One approver's verdict.</summary>
public sealed record ApproverDecision
{
    /// <summary>The user the API server authenticated for the request that added this verdict (admission refuses any other name).</summary>
    [Required, Length(Min = 1, Max = 253)]
    public required string User { get; init; }

    /// <summary>approve or deny.</summary>
    [Required]
    public required ApproverVerdict Verdict { get; init; }

    /// <summary>Free-text justification.</summary>
    [Length(Max = 1024)]
    public string? Comment { get; init; }
}

/// <summary>State of an approval.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApprovalDecision>))]
public enum ApprovalDecision
{
    [JsonStringEnumMemberName("Pending")] Pending,
    [JsonStringEnumMemberName("Approved")] Approved,
    [JsonStringEnumMemberName("Denied")] Denied,
    [JsonStringEnumMemberName("Expired")] Expired,
}

/// <summary>One approver's verdict.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApproverVerdict>))]
public enum ApproverVerdict
{
    [JsonStringEnumMemberName("approve")] Approve,
    [JsonStringEnumMemberName("deny")] Deny,
}
