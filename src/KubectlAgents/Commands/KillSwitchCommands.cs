using System.CommandLine;
using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Kube;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>kill|unkill WORKFLOW</c>: the emergency stop of every write action. <c>kill</c> sets the
/// <c>agentoperator.io/kill-switch</c> annotation (who, when, why), which the operator ORs with <c>spec.killSwitch</c>:
/// a GitOps sync that does not know the annotation leaves it alone, so the stop holds until someone runs <c>unkill</c>.
/// <c>unkill</c> removes only the annotation; a <c>spec.killSwitch: true</c> from git keeps holding, and it says so.
/// </summary>
public static class KillSwitchCommands
{
    public static IEnumerable<Command> Create(Func<ParseResult, CommandContext> contexts)
    {
        var workflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the annotation and shown by status -o yaml)" };
        var kill = new Command("kill", "Stop every write action of the workflow now, until unkill") { workflow, reason };
        kill.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var current = await EngageAsync(context.Resources, parse.GetValue(workflow)!, parse.GetValue(reason), context.Time, ct);
            await context.Output.WriteLineAsync($"agentworkflow.{ApiGroup.Group}/{current.Metadata.Name} kill switch engaged: every write action is denied until `kubectl agents unkill {current.Metadata.Name}`");
            return 0;
        });

        var unkillWorkflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var unkill = new Command("unkill", "Release the kill switch kill engaged") { unkillWorkflow };
        unkill.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var current = await ReleaseAsync(context.Resources, parse.GetValue(unkillWorkflow)!, ct);
            await context.Output.WriteLineAsync($"agentworkflow.{ApiGroup.Group}/{current.Metadata.Name} kill switch released");
            return 0;
        });
        return [kill, unkill];
    }

    /// <summary>Sets the kill-switch annotation (who, when, why) on <paramref name="workflow"/>: <c>kill</c> and the console's kill button.</summary>
    public static async Task<AgentWorkflow> EngageAsync(AgentResources resources, string workflow, string? reason, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(time);
        var user = await resources.WhoAmIAsync(ct);
        var value = $"{user} at {time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}"
            + (reason is { Length: > 0 } why ? $": {why}" : "");
        return await resources.DecideAndAnnotateWorkflowAsync(workflow, _ => new Dictionary<string, string?> { [AgentWorkflowAnnotations.KillSwitch] = value }, ct);
    }

    /// <summary>
    /// Removes the kill-switch annotation; throws <see cref="CommandFailureException"/> when <c>spec.killSwitch: true</c>
    /// still holds, which only the spec's source can release.
    /// </summary>
    public static async Task<AgentWorkflow> ReleaseAsync(AgentResources resources, string workflow, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var current = await resources.DecideAndAnnotateWorkflowAsync(workflow, read =>
            read.Metadata.Annotations?.ContainsKey(AgentWorkflowAnnotations.KillSwitch) == true
                ? new Dictionary<string, string?> { [AgentWorkflowAnnotations.KillSwitch] = null }
                : new Dictionary<string, string?>(), ct);

        if (current.Spec?.KillSwitch == true)
        {
            throw new CommandFailureException(
                $"error: agentworkflow {current.Metadata.Name} has spec.killSwitch: true, which keeps denying writes; set it to false where the spec comes from (git)");
        }

        return current;
    }
}
