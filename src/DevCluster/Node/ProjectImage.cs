namespace AgentOperator.DevCluster.Node;

/// <summary>One Dockerfile target of the project: <c>FROM … AS Target</c>, <c>ENTRYPOINT ["dotnet", "Assembly"]</c>.</summary>
public sealed record ProjectImage(string Target, string Repository, string Project, string Assembly)
{
    /// <summary>The stage's ENTRYPOINT.</summary>
    public IReadOnlyList<string> Entrypoint => ["dotnet", Assembly];

    /// <summary>
    /// The stage's ENV: every runtime stage clears <c>ASPNETCORE_HTTP_PORTS</c> so nothing listens on the base image's
    /// default 0.0.0.0:8080 unless the program binds it.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = "" };

    public NodeImage ToNodeImage(string publishDirectory) =>
        new(Repository, Entrypoint, [], publishDirectory) { Environment = Environment };
}
