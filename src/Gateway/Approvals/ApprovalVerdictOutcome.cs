using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Gateway.Approvals;

/// <summary>What recording one approver's verdict did.</summary>
public enum ApprovalVerdictResult
{
    /// <summary>Recorded; the approval's decision may now be Approved, Denied or still Pending.</summary>
    Recorded,

    /// <summary>No approval by that name.</summary>
    NotFound,

    /// <summary>The approval expired before the verdict; it is now marked Expired.</summary>
    Expired,

    /// <summary>Already Approved, Denied or Expired.</summary>
    AlreadyDecided,

    /// <summary>This user already gave a verdict; a second approval must come from a different user.</summary>
    SameApprover,
}

/// <summary>The result of recording a verdict, with the approval as it now stands.</summary>
public sealed record ApprovalVerdictOutcome(ApprovalVerdictResult Result, AgentApproval? Approval);
