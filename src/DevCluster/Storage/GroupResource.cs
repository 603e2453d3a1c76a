namespace AgentOperator.DevCluster.Storage;

/// <summary>The storage identity of a resource: objects of every served version of it share one table.</summary>
internal readonly record struct GroupResource(string Group, string Resource)
{
    /// <summary>How kube-apiserver names the resource in messages: <c>pods</c>, <c>deployments.apps</c>.</summary>
    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}
