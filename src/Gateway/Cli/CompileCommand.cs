using AgentOperator.Contracts;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using k8s;

namespace AgentOperator.Gateway.Cli;

/// <summary>
/// <c>compile --workflow FILE --tools FILE...</c>: prints the policy bundle JSON the workflow and its tools
/// compile to (exit 0), or every error with its spec path (exit 1). Files are YAML or JSON, tool files may
/// hold several documents.
/// </summary>
public static class CompileCommand
{
    public static async Task<int> RunAsync(CommandArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var workflowPath = args.Required("workflow");
        var workflows = await ReadAsync<AgentWorkflow>(workflowPath, AgentWorkflow.KubeKind, cancellationToken);
        if (workflows.Count != 1)
        {
            throw new UsageException($"{workflowPath} must hold exactly one AgentWorkflow, found {workflows.Count}");
        }

        var tools = new List<AgentTool>();
        foreach (var path in args.All("tools"))
        {
            tools.AddRange(await ReadAsync<AgentTool>(path, AgentTool.KubeKind, cancellationToken));
        }

        var result = PolicyBundleCompiler.Compile(workflows[0], tools);
        if (result.Succeeded)
        {
            await output.WriteLineAsync(PolicyBundleJson.Serialize(result.Bundle!));
            return 0;
        }

        foreach (var problem in result.Errors)
        {
            await error.WriteLineAsync(problem.ToString());
        }

        return 1;
    }

    private static async Task<List<T>> ReadAsync<T>(string path, string kind, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path} does not exist");
        }

        var documents = YamlReader.ReadDocuments(await File.ReadAllTextAsync(path, cancellationToken));
        return [.. documents
            .Where(d => d?["kind"]?.GetValue<string>() == kind)
            .Select(d => KubernetesJson.Deserialize<T>(d!.ToJsonString()))];
    }
}
