namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The project's own images as the Dockerfile builds them: each target's publish output (its <c>/app</c>, here a
/// folder of <see cref="ProjectPublisher"/>'s cache, bound read-only at <c>/app</c>), its WORKDIR, USER, ENTRYPOINT
/// and ENV. Tests compare these with the Dockerfile so they cannot drift.
/// </summary>
public static class ProjectImages
{
    /// <summary>The Dockerfile targets: image repository, project file and the ENTRYPOINT's assembly.</summary>
    public static IReadOnlyList<ProjectImage> All { get; } =
    [
        new("operator", "ghcr.io/agentoperator/operator", "src/Operator/Operator.csproj", "AgentOperator.Operator.dll"),
        new("gateway", "ghcr.io/agentoperator/gateway", "src/Gateway/Gateway.csproj", "AgentOperator.Gateway.dll"),
        new("sample-agent", "ghcr.io/agentoperator/sample-agent", "src/SampleAgent/SampleAgent.csproj", "AgentOperator.SampleAgent.dll"),
        new("audit-collector", "ghcr.io/agentoperator/audit-collector", "src/AuditCollector/AuditCollector.csproj", "AgentOperator.AuditCollector.dll"),
    ];

    /// <summary>The image map of <see cref="All"/> published under <paramref name="publishRoot"/> (one folder per target).</summary>
    public static NodeImageMap Map(string publishRoot) => new(All.Select(p => p.ToNodeImage(Path.Combine(publishRoot, p.Target))).ToList());
}
