using System.CommandLine;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Crds.Validation;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Output;
using AgentOperator.Policy.Compilation;
using k8s;
using YamlDotNet.Core;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>lint FILE... [--tools FILE...]</c>, offline: every AgentWorkflow and AgentTool in the files is checked as the API
/// server would (the CRDs' schema and CEL rules, after defaulting) and each workflow is compiled by the operator's own
/// compiler against the AgentTools of its namespace found in the files, so an unknown tool, a CEL error or an
/// undeclared model role is reported before anything is applied. Exit 1 when anything is wrong.
/// </summary>
public static class LintCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var files = new Argument<string[]>("FILE") { Description = "YAML or JSON files holding AgentWorkflows (and AgentTools)", Arity = ArgumentArity.OneOrMore };
        var toolFiles = new Option<string[]>("--tools") { Description = "More files holding the AgentTools the workflows bind", AllowMultipleArgumentsPerToken = true };
        var command = new Command("lint", "Check workflows and tools offline with the operator's compiler") { files, toolFiles };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var documents = new List<Document>();
            foreach (var path in parse.GetValue(files)!.Concat(parse.GetValue(toolFiles) ?? []))
            {
                documents.AddRange(await ReadAsync(path, ct));
            }

            var schemas = new Schemas();
            var results = new List<LintResult>();
            var tools = documents.Where(d => d.Kind == AgentTool.KubeKind).ToList();
            foreach (var tool in tools)
            {
                results.Add(new LintResult(tool.File, tool.Kind, tool.Name, null, schemas.Validate(tool)));
            }

            foreach (var workflow in documents.Where(d => d.Kind == AgentWorkflow.KubeKind))
            {
                var errors = schemas.Validate(workflow).ToList();
                string? revision = null;
                if (errors.Count == 0)
                {
                    var registry = tools.Where(t => t.Namespace == workflow.Namespace && t.Errors.Count == 0)
                        .Select(t => KubernetesJson.Deserialize<AgentTool>(t.Json.ToJsonString())).ToList();
                    var compiled = PolicyBundleCompiler.Compile(KubernetesJson.Deserialize<AgentWorkflow>(workflow.Json.ToJsonString()), registry);
                    errors.AddRange(compiled.Errors.Select(e => e.ToString()));
                    revision = compiled.Succeeded ? compiled.Bundle!.Revision : null;
                }

                results.Add(new LintResult(workflow.File, workflow.Kind, workflow.Name, revision, errors));
            }

            if (results.Count == 0)
            {
                throw new CommandFailureException("error: no AgentWorkflow or AgentTool found in the files given");
            }

            switch (context.Format)
            {
                case OutputFormat.Json:
                    ObjectOutput.WriteJson(context.Output, Json(results));
                    break;
                case OutputFormat.Yaml:
                    ObjectOutput.WriteYaml(context.Output, Json(results));
                    break;
                default:
                    foreach (var r in results)
                    {
                        if (r.Errors.Count == 0)
                        {
                            await context.Output.WriteLineAsync($"{r.File}: {r.Kind}/{r.Name}: ok" + (r.Revision is null ? "" : $" (revision {r.Revision})"));
                        }

                        foreach (var error in r.Errors)
                        {
                            await context.Error.WriteLineAsync($"{r.File}: {r.Kind}/{r.Name}: {error}");
                        }
                    }

                    break;
            }

            return results.All(r => r.Errors.Count == 0) ? 0 : 1;
        });
        return command;
    }

    private static JsonArray Json(IEnumerable<LintResult> results) =>
    [
        .. results.Select(r => new JsonObject
        {
            ["file"] = r.File,
            ["kind"] = r.Kind,
            ["name"] = r.Name,
            ["revision"] = r.Revision,
            ["errors"] = new JsonArray([.. r.Errors.Select(e => (JsonNode?)e)]),
        }),
    ];

    private static async Task<IEnumerable<Document>> ReadAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            throw new CommandFailureException($"error: the path \"{path}\" does not exist");
        }

        IReadOnlyList<JsonNode> documents;
        try
        {
            documents = YamlReader.ReadDocuments(await File.ReadAllTextAsync(path, ct));
        }
        catch (Exception e) when (e is YamlException or FormatException)
        {
            throw new CommandFailureException($"error: {path} is not valid YAML: {e.Message}");
        }

        return documents
            .Where(d => d["apiVersion"]?.GetValue<string>() == ApiGroup.ApiVersion && d["kind"]?.GetValue<string>() is AgentWorkflow.KubeKind or AgentTool.KubeKind)
            .Select(d => new Document(path, d["kind"]!.GetValue<string>(), d["metadata"]?["name"]?.GetValue<string>() ?? "<no name>",
                d["metadata"]?["namespace"]?.GetValue<string>() ?? "default", d));
    }

    private sealed record Document(string File, string Kind, string Name, string Namespace, JsonNode Json)
    {
        public List<string> Errors { get; } = [];
    }

    private sealed record LintResult(string File, string Kind, string Name, string? Revision, IReadOnlyList<string> Errors);

    /// <summary>The CRDs' schemas, generated from the same types the committed CRDs are generated from.</summary>
    private sealed class Schemas
    {
        private readonly CrdGenerator _generator = new(XmlDocumentation.For(typeof(AgentWorkflow).Assembly));
        private readonly Dictionary<string, CustomResourceSchema> _byKind = new(StringComparer.Ordinal);

        public List<string> Validate(Document document)
        {
            if (!_byKind.TryGetValue(document.Kind, out var schema))
            {
                var type = document.Kind == AgentWorkflow.KubeKind ? typeof(AgentWorkflow) : typeof(AgentTool);
                var crd = _generator.Generate(type);
                _byKind[document.Kind] = schema = CustomResourceSchema.Compile(crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.DeepClone());
            }

            schema.ApplyDefaults(document.Json);
            document.Errors.AddRange(schema.Validate(document.Json).Select(e => e.ToString()));
            return document.Errors;
        }
    }
}
