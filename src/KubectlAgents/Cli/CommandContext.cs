using System.CommandLine;
using AgentOperator.KubectlAgents.Kube;

namespace AgentOperator.KubectlAgents.Cli;

/// <summary>What one invocation works with: the user's session (opened on first use), the output format and the streams.</summary>
public sealed class CommandContext(ParseResult parse, GlobalOptions options, TextWriter output, TextWriter error, TimeProvider time) : IDisposable
{
    private KubeSession? _session;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public TimeProvider Time { get; } = time;

    public OutputFormat Format => parse.GetValue(options.Output);

    public KubeSession Session => _session ??= KubeSession.Open(
        parse.GetValue(options.Kubeconfig), parse.GetValue(options.Context), parse.GetValue(options.Namespace),
        parse.GetValue(options.AllNamespaces), parse.GetValue(options.Impersonate));

    public AgentResources Resources => new(Session);

    public void Dispose() => _session?.Dispose();
}
