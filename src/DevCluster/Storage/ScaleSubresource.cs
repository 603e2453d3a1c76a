namespace AgentOperator.DevCluster.Storage;

/// <summary>Where the scale subresource reads and writes replicas (CRD <c>subresources.scale</c> paths, without the leading dot).</summary>
internal sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);
