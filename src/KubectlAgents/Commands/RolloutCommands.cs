using System.CommandLine;
using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>promote|abort|pause|resume|retry WORKFLOW</c>: the operator's GitOps-safe annotations, with the revision read from
/// status so nobody copies a hash (promote and abort name the canary they mean; a later canary ignores them).
/// </summary>
public static class RolloutCommands
{
    public static IEnumerable<Command> Create(Func<ParseResult, CommandContext> contexts)
    {
        yield return Command("promote", "Promote the canary now, skipping its remaining steps and analysis", contexts, (workflow, _) =>
        {
            var canary = CanaryOf(workflow);
            return ([new(AgentWorkflowAnnotations.Promote, canary)], $"promoting canary revision {canary}");
        });
        yield return Command("abort", "Abort the canary: weight back to 0, recorded as Aborted", contexts, (workflow, _) =>
        {
            var canary = CanaryOf(workflow);
            return ([new(AgentWorkflowAnnotations.Abort, canary)], $"aborting canary revision {canary}");
        });
        yield return Command("pause", "Hold the canary at its step (analysis keeps running; a breach still rolls back)", contexts, (_, _) =>
            ([new(AgentWorkflowAnnotations.Pause, "true")], "paused"));
        yield return Command("resume", "Let a paused canary continue", contexts, (workflow, _) =>
            workflow.Metadata.Annotations?.ContainsKey(AgentWorkflowAnnotations.Pause) == true
                ? ([new(AgentWorkflowAnnotations.Pause, null)], "resumed")
                : throw new CommandFailureException($"error: agentworkflow {workflow.Metadata.Name} is not paused by annotation (phase {workflow.Status?.Phase ?? "Pending"})"));
        yield return Command("retry", "Roll a rolled-back revision out again", contexts, (workflow, now) =>
        {
            var failed = workflow.Status?.FailedRevision
                ?? throw new CommandFailureException($"error: agentworkflow {workflow.Metadata.Name} has no rolled-back revision to retry");
            return ([new(AgentWorkflowAnnotations.Retry, now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))], $"retrying revision {failed}");
        });
    }

    private static string CanaryOf(AgentWorkflow workflow) =>
        workflow.Status?.CanaryRevision
            ?? throw new CommandFailureException(
                $"error: agentworkflow {workflow.Metadata.Name} has no canary in progress (phase {workflow.Status?.Phase ?? "Pending"}, stable revision {workflow.Status?.StableRevision ?? "none"})");

    private static Command Command(
        string name, string description, Func<ParseResult, CommandContext> contexts,
        Func<AgentWorkflow, DateTimeOffset, (KeyValuePair<string, string?>[] Annotations, string Done)> decide)
    {
        var workflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var command = new Command(name, description) { workflow };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var name = parse.GetValue(workflow)!;
            (KeyValuePair<string, string?>[] Annotations, string Done)? first = null;
            var current = await context.Resources.DecideAndAnnotateWorkflowAsync(name, read =>
            {
                // A fresh read after a 409 must ask for the same act: a different one (another canary by now) is refused
                // rather than applied to something the user did not see.
                var decision = decide(read, context.Time.GetUtcNow());
                if (first is { } seen && !decision.Annotations.Where(a => a.Key != AgentWorkflowAnnotations.Retry).SequenceEqual(seen.Annotations.Where(a => a.Key != AgentWorkflowAnnotations.Retry)))
                {
                    throw new CommandFailureException($"error: agentworkflow {name} changed meanwhile ({decision.Done} is what it would do now); run the command again if that is what you want");
                }

                first ??= decision;
                return first.Value.Annotations.ToDictionary();
            }, ct);
            var done = first!.Value.Done;
            await context.Output.WriteLineAsync($"agentworkflow.{ApiGroup.Group}/{current.Metadata.Name} {done}");
            return 0;
        });
        return command;
    }
}
