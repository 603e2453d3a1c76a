using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;

namespace AgentOperator.Crds.Tests;

/// <summary>
/// The committed CRD YAML must be exactly what the generator produces from the C# types.
/// Regenerate with: UPDATE_CRDS=1 dotnet test tests/Crds.Tests --filter FullyQualifiedName~GeneratedCrdsTests
/// </summary>
public sealed class GeneratedCrdsTests
{
    private const string RegenerateCommand = "UPDATE_CRDS=1 dotnet test tests/Crds.Tests --filter FullyQualifiedName~GeneratedCrdsTests";

    [Fact]
    public void Committed_crd_yaml_matches_the_csharp_types()
    {
        var update = Environment.GetEnvironmentVariable("UPDATE_CRDS") == "1";
        var drift = new List<string>();
        foreach (var file in CrdManifests.Render())
        {
            var path = Path.Combine(RepositoryRoot.Path, file.RelativePath);
            var committed = File.Exists(path) ? File.ReadAllText(path) : null;
            if (committed == file.Content)
            {
                continue;
            }

            if (update)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Content);
            }
            else
            {
                drift.Add(committed is null ? $"{file.RelativePath} is missing" : $"{file.RelativePath} differs from the generated CRD");
            }
        }

        Assert.True(drift.Count == 0,
            $"Generated CRDs drifted from src/Crds:\n  {string.Join("\n  ", drift)}\nRegenerate them with:\n  {RegenerateCommand}");
    }

    [Fact]
    public void Chart_crds_are_byte_identical_to_the_kustomize_bases()
    {
        var files = CrdManifests.Render();
        var bases = files.Where(f => f.RelativePath.StartsWith(CrdManifests.KustomizeBasesDirectory + "/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, bases.Count);
        foreach (var file in bases)
        {
            var chartPath = CrdManifests.ChartCrdsDirectory + "/" + Path.GetFileName(file.RelativePath);
            Assert.Equal(file.Content, Assert.Single(files, f => f.RelativePath == chartPath).Content);
        }
    }

    [Fact]
    public void Rendering_twice_gives_the_same_bytes()
    {
        Assert.Equal(CrdManifests.Render(), CrdManifests.Render());
    }

    [Fact]
    public void The_yaml_reads_back_as_exactly_the_generated_crd()
    {
        var generator = new CrdGenerator(XmlDocumentation.For(typeof(V1Alpha1.AgentWorkflow).Assembly));
        foreach (var type in CrdGenerator.ResourceTypes(typeof(V1Alpha1.AgentWorkflow).Assembly))
        {
            var crd = generator.Generate(type);
            Assert.True(JsonNode.DeepEquals(crd, YamlReader.Read(YamlWriter.Write(crd))), $"{type.Name} changes through YAML");
        }
    }

    [Fact]
    public void Strings_that_look_like_other_yaml_types_stay_strings()
    {
        var document = new JsonObject { ["a"] = "true", ["b"] = "1.5", ["c"] = "", ["d"] = "null", ["e"] = "Bearer ", ["f"] = "2024-01-01", ["g"] = "x: y" };
        Assert.True(JsonNode.DeepEquals(document, YamlReader.Read(YamlWriter.Write(document))));
    }

    [Fact]
    public void Kustomization_lists_every_base()
    {
        var kustomization = Assert.Single(CrdManifests.Render(), f => f.RelativePath == CrdManifests.KustomizationPath).Content;
        Assert.Contains("- bases/agentoperator.io_agentapprovals.yaml\n", kustomization, StringComparison.Ordinal);
        Assert.Contains("- bases/agentoperator.io_agenttools.yaml\n", kustomization, StringComparison.Ordinal);
        Assert.Contains("- bases/agentoperator.io_agentworkflows.yaml\n", kustomization, StringComparison.Ordinal);
    }
}
