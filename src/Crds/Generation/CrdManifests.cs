using System.Reflection;
using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Generation;

/// <summary>One generated file, relative to the repository root.</summary>
public sealed record GeneratedFile(string RelativePath, string Content);

/// <summary>
/// Every generated install file: one CRD per resource in <c>config/crd/bases/</c> and, byte for byte the same, in
/// <c>charts/agent-operator/crds/</c>, plus <c>config/crd/kustomization.yaml</c> listing the bases.
/// </summary>
public static class CrdManifests
{
    public const string KustomizeBasesDirectory = "config/crd/bases";
    public const string KustomizationPath = "config/crd/kustomization.yaml";
    public const string ChartCrdsDirectory = "charts/agent-operator/crds";

    private const string Header = "# Generated from src/Crds by CrdGenerator. Do not edit: see config/crd/README.md to regenerate.\n";

    /// <summary>The files for the resources of <paramref name="assembly"/> (the Crds assembly by default).</summary>
    public static IReadOnlyList<GeneratedFile> Render(Assembly? assembly = null)
    {
        assembly ??= typeof(CrdManifests).Assembly;
        var generator = new CrdGenerator(XmlDocumentation.For(assembly));
        var files = new List<GeneratedFile>();
        var resources = new JsonArray();
        foreach (var type in CrdGenerator.ResourceTypes(assembly))
        {
            var name = CrdGenerator.FileName(type);
            var yaml = Header + YamlWriter.Write(generator.Generate(type));
            files.Add(new GeneratedFile($"{KustomizeBasesDirectory}/{name}", yaml));
            files.Add(new GeneratedFile($"{ChartCrdsDirectory}/{name}", yaml));
            resources.Add($"bases/{name}");
        }

        var kustomization = new JsonObject
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = resources,
        };
        files.Add(new GeneratedFile(KustomizationPath, Header + YamlWriter.Write(kustomization)));
        return files;
    }
}
