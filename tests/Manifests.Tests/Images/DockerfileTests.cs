using System.Text.RegularExpressions;
using System.Xml.Linq;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Images;

/// <summary>
/// The Dockerfile, read rather than built (no Docker engine here): stages, users, what the final images
/// contain (the operator's none of dev mode's parts) and whether the restore layer restores every image's project.
/// </summary>
public sealed partial class DockerfileTests
{
    private static IReadOnlyList<DockerStage> Stages => Dockerfile.Parse(Repository.Read("Dockerfile"));

    private static IEnumerable<DockerStage> RuntimeStages => Stages.Where(s => s.Instructions.Any(i => i.Keyword == "ENTRYPOINT"));

    [Fact]
    public void Final_stage_is_the_operator_on_the_aspnet_runtime_without_the_sdk()
    {
        var final = Stages[^1];
        Assert.Equal("operator", final.Name);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", final.From, StringComparison.Ordinal);
        Assert.Equal("""["dotnet", "AgentOperator.Operator.dll"]""", final.Last("ENTRYPOINT"));
    }

    [Fact]
    public void Gateway_target_runs_the_gateway_with_the_entrypoint_its_preStop_hook_names()
    {
        var gateway = Assert.Single(Stages, s => s.Name == "gateway");
        Assert.Equal("""["dotnet", "AgentOperator.Gateway.dll"]""", gateway.Last("ENTRYPOINT"));
        // The operator's exec hook (GatewayFlushArguments.PreStopCommand) runs the entrypoint from the image's WORKDIR.
        Assert.Equal("[" + string.Join(", ", AgentOperator.Contracts.GatewayPodLayout.GatewayEntrypoint.Select(a => $"\"{a}\"")) + "]", gateway.Last("ENTRYPOINT"));
        Assert.Equal("/app", gateway.Last("WORKDIR"));
    }

    [Fact]
    public void Sample_agent_target_runs_the_sample_agent_from_its_own_publish_stage()
    {
        var sampleAgent = Assert.Single(Stages, s => s.Name == "sample-agent");
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", sampleAgent.From, StringComparison.Ordinal);
        Assert.Equal("""["dotnet", "AgentOperator.SampleAgent.dll"]""", sampleAgent.Last("ENTRYPOINT"));
        Assert.Contains("--from=publish-sample-agent ", sampleAgent.Last("COPY"), StringComparison.Ordinal);
        var publish = Assert.Single(Stages, s => s.Name == "publish-sample-agent");
        Assert.Contains("dotnet publish src/SampleAgent/SampleAgent.csproj", publish.Last("RUN"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_agentoperator_image_the_examples_and_install_use_has_a_target_of_its_name()
    {
        var images = Directory.EnumerateFiles(Repository.PathOf("examples"), "*.yaml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Repository.PathOf("config"), "*.yaml", SearchOption.AllDirectories))
            .SelectMany(f => AgentOperatorImage().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("sample-agent", images);
        Assert.All(images, name => Assert.Contains(Stages, s => s.Name == name && s.Instructions.Any(i => i.Keyword == "ENTRYPOINT")));
    }

    [Fact]
    public void Runtime_images_never_derive_from_the_sdk_or_a_build_stage()
    {
        var stageNames = Stages.Select(s => s.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(RuntimeStages);
        Assert.All(RuntimeStages, stage =>
        {
            Assert.DoesNotContain("/sdk", stage.From, StringComparison.Ordinal);
            Assert.DoesNotContain(stage.From, stageNames);
        });
    }

    [Fact]
    public void Runtime_images_copy_only_published_output_from_build_stages()
    {
        Assert.All(RuntimeStages, stage => Assert.All(stage.Instructions.Where(i => i.Keyword == "COPY"), copy =>
        {
            var from = Regex.Match(copy.Arguments, @"--from=(\S+)").Groups[1].Value;
            Assert.StartsWith("publish-", from, StringComparison.Ordinal);
            Assert.Contains(" /app ", copy.Arguments, StringComparison.Ordinal);
        }));
    }

    [Fact]
    public void Runtime_images_run_as_the_numeric_non_root_user_of_the_pod_spec()
    {
        Assert.All(RuntimeStages, stage =>
        {
            var user = stage.Last("USER");
            Assert.NotNull(user);
            var uid = user.Split(':')[0];
            // Numeric, so the kubelet can check runAsNonRoot without an /etc/passwd lookup.
            Assert.Matches(Numeric(), uid);
            Assert.NotEqual("0", uid);
            Assert.Equal("65532", uid);
            var userIndex = stage.Instructions.ToList().FindLastIndex(i => i.Keyword == "USER");
            var entrypointIndex = stage.Instructions.ToList().FindLastIndex(i => i.Keyword == "ENTRYPOINT");
            Assert.True(userIndex < entrypointIndex, $"{stage.Name}: USER must come before ENTRYPOINT");
        });
    }

    [Fact]
    public void Publish_builds_release()
    {
        var publishes = Stages.SelectMany(s => s.Instructions).Where(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).ToList();
        Assert.Equal(RuntimeStages.Count(), publishes.Count);
        Assert.All(publishes, p => Assert.Contains("-c Release", p.Arguments, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_image_project_is_restored_with_every_project_it_references_copied_first()
    {
        var build = Assert.Single(Stages, s => s.Name == "build");
        var copied = build.Instructions.Where(i => i.Keyword == "COPY" && i.Arguments.Contains(".csproj", StringComparison.Ordinal))
            .Select(i => i.Arguments.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        var restored = build.Instructions.Where(i => i.Keyword == "RUN").SelectMany(i => DotnetCommand().Matches(i.Arguments))
            .Where(m => m.Groups["verb"].Value == "restore").Select(m => m.Groups["project"].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["src/AuditCollector/AuditCollector.csproj", "src/Gateway/Gateway.csproj", "src/Operator/Operator.csproj", "src/SampleAgent/SampleAgent.csproj"], ImageProjects.Order(StringComparer.Ordinal));
        Assert.All(ImageProjects, project =>
        {
            // --no-restore in its publish stage: the project itself must have been restored, not only something referencing it.
            Assert.Contains(project, restored);
            Assert.Subset(copied, ProjectClosure(project));
        });
    }

    [Fact]
    public void The_operator_image_carries_none_of_dev_modes_projects_or_packages()
    {
        var closure = ProjectClosure(PublishedProject("publish-operator"));
        Assert.Equal(["src/Contracts/Contracts.csproj", "src/Crds/Crds.csproj", "src/Operator/Operator.csproj", "src/Policy/Policy.csproj"], closure.Order(StringComparer.Ordinal));
        var packages = closure.SelectMany(p => XDocument.Parse(Repository.Read(p)).Descendants("PackageReference")).Select(r => (string)r.Attribute("Include")!);
        Assert.DoesNotContain("Spectre.Console", packages);

        // No image needs dev mode or its cluster, so the build context leaves them out.
        Assert.All(ImageProjects, project => Assert.DoesNotContain(ProjectClosure(project), p => p.StartsWith("src/DevMode/", StringComparison.Ordinal) || p.StartsWith("src/DevCluster/", StringComparison.Ordinal)));
        var ignore = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("src/DevMode/", ignore);
        Assert.Contains("src/DevCluster/", ignore);
    }

    [Fact]
    public void Build_context_keeps_the_sources_and_drops_local_build_output()
    {
        var ignore = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        foreach (var kept in new[] { "!src/", "!global.json", "!Directory.Build.props", "!Directory.Packages.props", "!.editorconfig" })
        {
            Assert.Contains(kept, ignore);
        }

        Assert.Contains("src/**/bin/", ignore);
        Assert.Contains("src/**/obj/", ignore);
    }

    /// <summary>The project each publish stage publishes: one per runtime image.</summary>
    private static IEnumerable<string> ImageProjects => Stages.Where(s => s.Name?.StartsWith("publish-", StringComparison.Ordinal) == true).Select(s => PublishedProject(s.Name!));

    private static string PublishedProject(string stage) =>
        Assert.Single(Assert.Single(Stages, s => s.Name == stage).Instructions.Where(i => i.Keyword == "RUN").SelectMany(i => DotnetCommand().Matches(i.Arguments)), m => m.Groups["verb"].Value == "publish")
            .Groups["project"].Value;

    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Parse(Repository.Read(current)).Descendants("ProjectReference"))
            {
                var include = (string)reference.Attribute("Include")!;
                pending.Push(Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(Repository.PathOf(directory), include))).Replace('\\', '/'));
            }
        }

        return seen;
    }

    [GeneratedRegex(@"ghcr\.io/agentoperator/(?<name>[a-z0-9-]+):")]
    private static partial Regex AgentOperatorImage();

    [GeneratedRegex(@"dotnet (?<verb>restore|publish) (?<project>\S+\.csproj)")]
    private static partial Regex DotnetCommand();

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Numeric();
}
