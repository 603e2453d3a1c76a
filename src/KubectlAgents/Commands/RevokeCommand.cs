using System.CommandLine;
using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>revoke WORKFLOW [--revision REV]</c>: every token of the workflow's revisions (or of one: <c>stable</c>,
/// <c>canary</c>, or its id or a unique prefix of it) stops working; the operator recreates their ServiceAccounts and
/// rolls the pods onto new tokens, and the workflow keeps serving.
/// </summary>
public static class RevokeCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var workflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var revision = new Option<string?>("--revision") { Description = "Only this revision: stable, canary, or a revision id (a unique prefix is enough)" };
        var command = new Command("revoke", "Revoke the credentials of the workflow's revisions now (all, or one with --revision)") { workflow, revision };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var name = parse.GetValue(workflow)!;
            var request = $"kubectl-agents-{context.Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
            string? only = null;
            var resolved = false;
            var current = await context.Resources.DecideAndAnnotateWorkflowAsync(name, read =>
            {
                var now = parse.GetValue(revision) is { } named ? Resolve(read, named) : null;
                if (resolved && now != only)
                {
                    throw new CommandFailureException($"error: agentworkflow {name} changed meanwhile ({parse.GetValue(revision)} is revision {now} now, was {only}); run the command again if that is what you want");
                }

                (only, resolved) = (now, true);
                return new Dictionary<string, string?>
                {
                    [AgentWorkflowAnnotations.RevokeRevision] = only,
                    [AgentWorkflowAnnotations.RevokeCredentials] = request,
                };
            }, ct);
            var what = only is null ? "credentials of every revision" : $"credentials of revision {only}";
            await context.Output.WriteLineAsync($"agentworkflow.{ApiGroup.Group}/{current.Metadata.Name} revocation of the {what} requested ({request}); status.lastRevocation shows when it is done");
            return 0;
        });
        return command;
    }

    /// <summary>The live revision <paramref name="named"/> means: stable, canary, an id, or a unique prefix of one.</summary>
    public static string Resolve(AgentWorkflow workflow, string named)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(named);
        var stable = workflow.Status?.StableRevision;
        var canary = workflow.Status?.CanaryRevision;
        var live = new[] { stable, canary }.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var liveText = live.Count == 0 ? "none yet" : string.Join(", ", live.Select(r => r == stable ? $"{r} (stable)" : $"{r} (canary)"));
        var resolved = named switch
        {
            "stable" => stable ?? throw new CommandFailureException($"error: agentworkflow {workflow.Metadata.Name} has no stable revision yet (live: {liveText})"),
            "canary" => canary ?? throw new CommandFailureException($"error: agentworkflow {workflow.Metadata.Name} has no canary in progress (live: {liveText})"),
            _ => live.Where(r => r.StartsWith(named, StringComparison.Ordinal)).ToList() switch
            {
                [var one] => one,
                [] => throw new CommandFailureException($"error: revision \"{named}\" is not live in agentworkflow {workflow.Metadata.Name}; live revisions: {liveText}"),
                _ => throw new CommandFailureException($"error: revision prefix \"{named}\" matches more than one live revision ({liveText}); give more of it"),
            },
        };
        return resolved;
    }
}
