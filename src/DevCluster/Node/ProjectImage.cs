namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One Dockerfile target of the project: <c>FROM … AS Target</c>, <c>WORKDIR /app</c> holding the publish output,
/// <c>USER 65532:65532</c>, <c>ENTRYPOINT ["dotnet", "Assembly"]</c>.
/// </summary>
public sealed record ProjectImage(string Target, string Repository, string Project, string Assembly)
{
    /// <summary>The stage's ENTRYPOINT.</summary>
    public IReadOnlyList<string> Entrypoint => ["dotnet", Assembly];

    /// <summary>
    /// The stage's ENV: every runtime stage clears <c>ASPNETCORE_HTTP_PORTS</c> so nothing listens on the base image's
    /// default 0.0.0.0:8080 unless the program binds it.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = "" };

    /// <summary>The stage's WORKDIR, where its publish output is copied.</summary>
    public string WorkingDirectory => "/app";

    /// <summary>The stage's USER: the numeric non-root user the pods' securityContext also names.</summary>
    public string User => "65532:65532";

    /// <summary>The image as the node runs it: the publish output bound read-only at WORKDIR, run as USER.</summary>
    public NodeImage ToNodeImage(string publishDirectory) =>
        new(Repository, Entrypoint, [], WorkingDirectory) { Environment = Environment, User = User, Files = publishDirectory };
}
