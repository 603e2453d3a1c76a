using System.Text.Json.Nodes;

namespace AgentOperator.DevMode.Install;

/// <summary>One object read from a YAML file, with what it takes to route it to its API.</summary>
internal sealed record Manifest(JsonObject Object, string Source)
{
    public string ApiVersion => Json.Text(Object, "apiVersion") ?? throw new FormatException($"{Source}: an object has no apiVersion");

    public string Kind => Json.Text(Object, "kind") ?? throw new FormatException($"{Source}: an object has no kind");

    public string Name => Json.Text(Object, "metadata", "name") ?? throw new FormatException($"{Source}: a {Kind} has no metadata.name");

    public string? Namespace => Json.Text(Object, "metadata", "namespace");

    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";

    public string Version => ApiVersion[(ApiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>kind/name, as kubectl prints it.</summary>
    public string Display => Namespace is null ? $"{Kind.ToLowerInvariant()}/{Name}" : $"{Kind.ToLowerInvariant()}/{Name} -n {Namespace}";
}
