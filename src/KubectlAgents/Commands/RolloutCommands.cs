using System.CommandLine;
using System.Globalization;
using System.Net;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>promote|abort|pause|resume|retry WORKFLOW</c>: the operator's GitOps-safe annotations, with the revision read from
/// status so nobody copies a hash (promote and abort name the canary they mean; a later canary ignores them).
/// </summary>
public static class RolloutCommands
{
    /// <summary>How many times a command writes when the workflow changed between its read and its write (409).</summary>
    private const int MaxAttempts = 5;

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
            var current = await context.Resources.GetWorkflowAsync(name, ct);
            var (annotations, done) = decide(current, context.Time.GetUtcNow());
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await context.Resources.AnnotateWorkflowAsync(current, annotations.ToDictionary(), ct);
                    break;
                }
                catch (CommandFailureException e) when (e.Status == HttpStatusCode.Conflict && attempt < MaxAttempts)
                {
                    // The operator writes status often (analysis runs, run health), and each write moves the
                    // resourceVersion. Decide again on a fresh read: the same act goes ahead, a different one (another
                    // canary by now) is refused rather than applied to something the user did not see.
                    current = await context.Resources.GetWorkflowAsync(name, ct);
                    var again = decide(current, context.Time.GetUtcNow());
                    if (!again.Annotations.Where(a => a.Key != AgentWorkflowAnnotations.Retry).SequenceEqual(annotations.Where(a => a.Key != AgentWorkflowAnnotations.Retry)))
                    {
                        throw new CommandFailureException($"error: agentworkflow {name} changed meanwhile ({again.Done} is what it would do now); run the command again if that is what you want");
                    }
                }
            }

            await context.Output.WriteLineAsync($"agentworkflow.{ApiGroup.Group}/{current.Metadata.Name} {done}");
            return 0;
        });
        return command;
    }
}
