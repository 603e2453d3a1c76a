using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using k8s;

namespace AgentOperator.Gateway.Tests.Fakes;

/// <summary>
/// The repository's shipped examples (examples/*.yaml, examples/tools/*.yaml) compiled by the same compiler the
/// operator runs, with every tool's upstream pointed at a local stub (HTTP tools) or MCP server (MCP tools).
/// </summary>
public static class ExampleWorkflows
{
    /// <summary>The workflow names of examples/*.yaml, for theories.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var workflow in Workflows())
        {
            data.Add(workflow.Metadata.Name);
        }

        return data;
    }

    /// <summary>A valid input for every example tool, so a call can reach the upstream; a new example tool needs one here.</summary>
    public static readonly IReadOnlyDictionary<string, string> SampleInputs = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["crm.read_ticket"] = """{"ticket_id":"T-104233"}""",
        ["orders.get_status"] = """{"order_id":"ORD-20931177"}""",
        ["payments.issue_refund"] = """{"order_id":"ORD-20931177","amount_usd":35,"currency":"USD","reason":"The parcel arrived damaged; refunding the item."}""",
        ["kb.search"] = """{"query":"refund policy","top_k":3}""",
        ["tickets.search"] = """{"text":"refund not received","status":"open","limit":5}""",
        ["tickets.add_note"] = """{"ticket_id":"T-104233","body":"Refund pending approval.","visibility":"internal"}""",
    };

    /// <summary>Compiles the named example workflow; HTTP upstreams go to <paramref name="httpUpstream"/>/{tool}, MCP ones to <paramref name="mcpUpstream"/>.</summary>
    public static PolicyBundle Compile(string workflowName, string httpUpstream, string mcpUpstream)
    {
        var workflow = Workflows().Single(w => w.Metadata.Name == workflowName);
        var result = PolicyBundleCompiler.Compile(workflow, Tools());
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var bundle = result.Bundle!;
        return bundle with
        {
            Tools = [.. bundle.Tools.Select(t => t with
            {
                Upstream = t.Upstream.Mcp is { } mcp
                    ? t.Upstream with { Mcp = mcp with { Url = mcpUpstream } }
                    : t.Upstream with { Url = $"{httpUpstream}/{t.Name}" },
            })],
        };
    }

    /// <summary>Writes a credential file for every Secret and bound-token audience the bundle's tools use.</summary>
    public static void WriteCredentials(PolicyBundle bundle, string secretsRoot, string tokensRoot)
    {
        foreach (var auth in bundle.Tools.Select(t => t.Auth).OfType<ToolAuth>())
        {
            var path = auth.SecretRef is { } secret
                ? Path.Combine(secretsRoot, secret.Name, secret.Key)
                : Path.Combine(tokensRoot, GatewayPodLayout.TokenFolder(auth.BoundToken!.Audience), "token");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "test-credential");
        }
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentOperator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static IEnumerable<AgentWorkflow> Workflows() =>
        Directory.GetFiles(Path.Combine(RepositoryRoot(), "examples"), "*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(path => Read<AgentWorkflow>(path, AgentWorkflow.KubeKind));

    private static List<AgentTool> Tools() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot(), "examples", "tools"), "*.yaml").SelectMany(path => Read<AgentTool>(path, AgentTool.KubeKind))];

    private static IEnumerable<T> Read<T>(string path, string kind) =>
        YamlReader.ReadDocuments(File.ReadAllText(path))
            .Where(d => d is JsonObject o && o["kind"]?.GetValue<string>() == kind)
            .Select(d => KubernetesJson.Deserialize<T>(d.ToJsonString()));
}
