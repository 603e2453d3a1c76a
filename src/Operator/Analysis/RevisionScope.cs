namespace AgentOperator.Operator.Analysis;

/// <summary>The metrics of one revision of one workflow, over a look-back window.</summary>
internal sealed record RevisionScope(string Namespace, string Workflow, string Revision, TimeSpan Window);
