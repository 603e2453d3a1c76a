using System.CommandLine;

namespace AgentOperator.KubectlAgents.Cli;

/// <summary>The options every command takes, named as kubectl names them.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)", Recursive = true };

    public Option<string?> Context { get; } = new("--context") { Description = "The kubeconfig context to use", Recursive = true };

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "The namespace (default: the context's)", Recursive = true };

    public Option<string?> Impersonate { get; } = new("--as") { Description = "Username to impersonate for the operation (needs the impersonate permission)", Recursive = true };

    public Option<bool> AllNamespaces { get; } = new("--all-namespaces", "-A") { Description = "List across all namespaces", Recursive = true };

    public Option<OutputFormat> Output { get; } = new("--output", "-o")
    {
        Description = "Output format: table (default), wide, json or yaml",
        HelpName = "table|wide|json|yaml",
        Recursive = true,
        CustomParser = result => result.Tokens.Count == 0 ? OutputFormat.Table : result.Tokens[0].Value switch
        {
            "table" => OutputFormat.Table,
            "wide" => OutputFormat.Wide,
            "json" => OutputFormat.Json,
            "yaml" => OutputFormat.Yaml,
            var other => Fail(result, other),
        },
    };

    public IEnumerable<Option> All => [Kubeconfig, Context, Namespace, Impersonate, AllNamespaces, Output];

    private static OutputFormat Fail(System.CommandLine.Parsing.ArgumentResult result, string value)
    {
        result.AddError($"unable to match a printer suitable for the output format \"{value}\", allowed formats are: table, wide, json, yaml");
        return OutputFormat.Table;
    }
}
