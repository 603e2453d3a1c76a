using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevMode.Install;
using k8s;

namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>The repository's examples, read as the typed resources.</summary>
internal static class DevModeExamples
{
    public static RepositoryLayout Repository { get; } = RepositoryLayout.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"no AgentOperator.sln above {AppContext.BaseDirectory}");

    public static AgentWorkflow Workflow(string file) => Read<AgentWorkflow>(file).Single();

    public static IReadOnlyList<AgentTool> Tools() =>
        [.. Directory.GetFiles(Path.Combine(Repository.ExamplesDirectory, "tools"), "*.yaml").SelectMany(Read<AgentTool>)];

    private static IEnumerable<T> Read<T>(string path) =>
        YamlReader.ReadDocuments(File.ReadAllText(Path.IsPathRooted(path) ? path : Path.Combine(Repository.ExamplesDirectory, path)))
            .Select(d => KubernetesJson.Deserialize<T>(d.ToJsonString()));
}
