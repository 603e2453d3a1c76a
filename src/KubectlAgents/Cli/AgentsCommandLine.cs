using System.CommandLine;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Commands;

namespace AgentOperator.KubectlAgents.Cli;

/// <summary>
/// <c>kubectl agents</c>: day-2 operations on AgentWorkflows with the user's kubeconfig and RBAC. Exit 0 on success, 1 when
/// something failed (the reason on stderr, in kubectl's words where the API server gave them), 1 on a usage error too.
/// </summary>
public static class AgentsCommandLine
{
    public static RootCommand Build(TextWriter output, TextWriter error, TimeProvider time)
    {
        var options = new GlobalOptions();
        CommandContext Contexts(ParseResult parse) => new(parse, options, output, error, time);
        var root = new RootCommand("kubectl agents: status, approvals and rollout control of AgentOperator's AgentWorkflows");
        foreach (var option in options.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(StatusCommand.Create(Contexts));
        root.Subcommands.Add(GetCommand.Create(Contexts));
        root.Subcommands.Add(ApprovalsCommand.Create(Contexts));
        root.Subcommands.Add(RunsCommand.Create(Contexts));
        root.Subcommands.Add(TraceCommand.Create(Contexts));
        root.Subcommands.Add(AuditCommand.Create(Contexts));
        root.Subcommands.Add(VerdictCommand.Create(ApproverVerdict.Approve, Contexts));
        root.Subcommands.Add(VerdictCommand.Create(ApproverVerdict.Deny, Contexts));
        foreach (var command in RolloutCommands.Create(Contexts).Concat(KillSwitchCommands.Create(Contexts)))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(RevokeCommand.Create(Contexts));
        root.Subcommands.Add(LintCommand.Create(Contexts));
        root.Subcommands.Add(CompletionCommand.Create());
        root.Subcommands.Add(Console.ConsoleCommand.Create(Contexts));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var parse = Build(output, error, TimeProvider.System).Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (CommandFailureException e)
        {
            await error.WriteLineAsync(e.Message);
            return 1;
        }
    }
}
