using System.CommandLine;
using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>revoke WORKFLOW</c>: every token of the workflow's revisions stops working (the operator recreates their
/// ServiceAccounts and rolls the pods onto new tokens; the workflow keeps serving).
/// </summary>
public static class RevokeCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var workflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var command = new Command("revoke", "Revoke every credential of the workflow's revisions now") { workflow };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var current = await context.Resources.GetWorkflowAsync(parse.GetValue(workflow)!, ct);
            var request = $"kubectl-agents-{context.Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
            await context.Resources.AnnotateWorkflowAsync(current, new Dictionary<string, string?> { [AgentWorkflowAnnotations.RevokeCredentials] = request }, ct);
            await context.Output.WriteLineAsync($"agentworkflow.{ApiGroup.Group}/{current.Metadata.Name} credentials revocation requested ({request}); status.lastRevocation shows when it is done");
            return 0;
        });
        return command;
    }
}
