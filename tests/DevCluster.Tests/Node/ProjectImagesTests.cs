using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOperator.DevCluster.Node;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>The node's map of the project's images matches the Dockerfile: each target's ENTRYPOINT, ENV, WORKDIR, USER and project.</summary>
public sealed partial class ProjectImagesTests
{
    [Fact]
    public void Project_images_are_the_dockerfile_targets()
    {
        var root = RepositoryRoot();
        var lines = File.ReadAllLines(Path.Combine(root, "Dockerfile")).Select(l => l.Trim()).ToList();
        foreach (var image in ProjectImages.All)
        {
            var start = lines.FindIndex(l => Regex.IsMatch(l, $@"^FROM\s+\S+\s+AS\s+{Regex.Escape(image.Target)}$", RegexOptions.IgnoreCase));
            Assert.True(start >= 0, $"the Dockerfile has no 'FROM … AS {image.Target}' stage");
            var stage = lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).ToList();
            var entrypoint = JsonSerializer.Deserialize<string[]>(stage.Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..])!;
            Assert.Equal(entrypoint, image.Entrypoint);
            var environment = stage.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
                .SelectMany(l => EnvPair().Matches(l["ENV ".Length..]))
                .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["plain"].Value);
            Assert.Equal(environment, image.Environment);
            Assert.Equal(stage.Single(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal))["WORKDIR ".Length..].Trim(), image.WorkingDirectory);
            Assert.Equal(stage.Single(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim(), image.User);
            var node = image.ToNodeImage("/cache/" + image.Target);
            Assert.Equal((image.WorkingDirectory, image.User, "/cache/" + image.Target), (node.WorkingDirectory, node.User, node.Files));

            // The stage copies the publish output of the project the map publishes.
            var dockerfile = string.Join('\n', lines).Replace("\\\n", " ", StringComparison.Ordinal);
            var publish = dockerfile.Split('\n').Single(l => l.Contains($"dotnet publish {image.Project} ", StringComparison.Ordinal));
            Assert.Contains("-p:UseAppHost=false", publish, StringComparison.Ordinal);
            Assert.Contains($"--from=publish-{image.Target} /app", string.Join('\n', stage), StringComparison.Ordinal);
            Assert.Equal(image.Repository + ":0.1.0", lines.Select(l => ImageTag().Match(l)).Where(m => m.Success && m.Groups["target"].Value == image.Target)
                .Select(m => m.Groups["image"].Value).DefaultIfEmpty(image.Target == "operator" ? image.Repository + ":0.1.0" : "").First());
        }
    }

    [Fact]
    public void Image_names_match_every_tag_and_digest_and_the_longest_entry_wins()
    {
        var map = ProjectImages.Map("/cache").With(new NodeImage("ghcr.io/agentoperator/*", ["true"], [], "/"));
        Assert.Equal("/cache/gateway", map.Resolve("ghcr.io/agentoperator/gateway:0.1.0")!.Files);
        Assert.Equal("/cache/sample-agent", map.Resolve("ghcr.io/agentoperator/sample-agent@sha256:abc")!.Files);
        Assert.Equal(["dotnet", "AgentOperator.Operator.dll"], map.Resolve("ghcr.io/agentoperator/operator")!.Entrypoint);
        Assert.Equal(["true"], map.Resolve("ghcr.io/agentoperator/other:1")!.Entrypoint);
        Assert.Null(map.Resolve("nginx:1.27"));
        Assert.NotNull(new NodeImageMap([new NodeImage("busybox", [], ["sh"], "/")]).Resolve("docker.io/library/busybox:1.36"));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dockerfile")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("no Dockerfile above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?:"(?<quoted>[^"]*)"|(?<plain>\S*))""")]
    private static partial Regex EnvPair();

    [GeneratedRegex(@"docker build -t (?<image>\S+) .*--target (?<target>\S+)")]
    private static partial Regex ImageTag();
}
