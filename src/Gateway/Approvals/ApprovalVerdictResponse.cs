using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Gateway.Approvals;

/// <summary>Body of a successful approve or deny: the approval's status as it now stands.</summary>
public sealed record ApprovalVerdictResponse(string Namespace, string Name, AgentApprovalStatus Status);
