using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.Validation;

namespace AgentOperator.Crds.Tests;

/// <summary>The committed CRDs, compiled once: validation tests run against the files a cluster would get.</summary>
internal static class AgentSchemas
{
    public static CustomResourceSchema Workflow { get; } = Compile("agentoperator.io_agentworkflows.yaml");

    public static CustomResourceSchema Tool { get; } = Compile("agentoperator.io_agenttools.yaml");

    public static CustomResourceSchema Approval { get; } = Compile("agentoperator.io_agentapprovals.yaml");

    public static JsonNode OpenApiSchema(string fileName)
    {
        var crd = YamlReader.Read(File.ReadAllText(Path.Combine(RepositoryRoot.Path, CrdManifests.KustomizeBasesDirectory, fileName)));
        return crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
    }

    private static CustomResourceSchema Compile(string fileName) => CustomResourceSchema.Compile(OpenApiSchema(fileName));

    /// <summary>Defaults then validates, as kube-apiserver handles a create (or an update with <paramref name="old"/>).</summary>
    public static IReadOnlyList<string> Admit(this CustomResourceSchema schema, JsonNode obj, JsonNode? old = null)
    {
        schema.ApplyDefaults(obj);
        if (old is not null)
        {
            schema.ApplyDefaults(old);
        }

        return [.. schema.Validate(obj, old).Select(e => e.ToString())];
    }
}
