namespace AgentOperator.DevCluster.Storage;

/// <summary>Points at one stored object.</summary>
internal readonly record struct ObjectRef(GroupResource Resource, string Namespace, string Name);
