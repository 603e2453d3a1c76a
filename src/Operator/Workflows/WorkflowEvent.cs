namespace AgentOperator.Operator.Workflows;

/// <summary>One Kubernetes Event about a workflow. The message never carries a token, a Secret value or tool input.</summary>
internal sealed record WorkflowEvent(bool Warning, string Reason, string Message);
