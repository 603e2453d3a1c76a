using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Validation;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Examples;

/// <summary>The compiled schemas of the CRDs in config/crd/bases, by kind: exactly what the API server would enforce.</summary>
public static class GeneratedCrds
{
    private static readonly ConcurrentDictionary<string, CustomResourceSchema> Compiled = new(StringComparer.Ordinal);

    /// <summary>The schema of <paramref name="kind"/> at version v1alpha1.</summary>
    public static CustomResourceSchema For(string kind) => Compiled.GetOrAdd(kind, Compile);

    private static CustomResourceSchema Compile(string kind)
    {
        var bases = Repository.PathOf("config/crd/bases");
        Assert.True(Directory.Exists(bases), "config/crd/bases is missing: generate the CRDs (src/Crds generator) first");
        var crd = Directory.EnumerateFiles(bases, "*.yaml")
            .Select(f => Yaml.Parse(File.ReadAllText(f)))
            .SingleOrDefault(c => (string?)c["spec"]?["names"]?["kind"] == kind)
            ?? throw new InvalidOperationException($"no CRD for kind {kind} in config/crd/bases");
        var version = crd["spec"]!["versions"]!.AsArray().Single(v => (string?)v!["name"] == "v1alpha1")!;
        return CustomResourceSchema.Compile(version["schema"]!["openAPIV3Schema"]!);
    }

    /// <summary>Prunes, defaults and validates a copy of <paramref name="obj"/> as the API server would on create.</summary>
    /// <returns>Unknown fields the server would drop, and validation errors.</returns>
    public static (IReadOnlyList<string> Unknown, IReadOnlyList<FieldError> Errors) Admit(string kind, JsonNode obj)
    {
        var schema = For(kind);
        var copy = JsonNode.Parse(obj.ToJsonString())!;
        var unknown = schema.Prune(copy);
        schema.ApplyDefaults(copy);
        return (unknown, schema.Validate(copy));
    }
}
