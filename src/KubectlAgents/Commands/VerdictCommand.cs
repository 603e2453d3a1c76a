using System.CommandLine;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Kube;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>approve|deny APPROVAL [--comment TEXT]</c>: appends the caller's verdict, in the name the API server authenticated
/// (SelfSubjectReview), exactly as the README's <c>kubectl patch --subresource=status</c> does. The API server's admission
/// policies decide whether it counts; this command only saves the user from writing the patch and reports the outcome.
/// </summary>
public static class VerdictCommand
{
    public static Command Create(ApproverVerdict verdict, Func<ParseResult, CommandContext> contexts)
    {
        var approval = new Argument<string>("APPROVAL") { Description = "The AgentApproval's name (kubectl agents approvals lists them)" };
        var comment = new Option<string?>("--comment") { Description = "Why: recorded with the verdict and, for a denial, in the audit record the agent's run ends with" };
        var (name, description) = verdict == ApproverVerdict.Approve
            ? ("approve", "Approve a pending action in your own name")
            : ("deny", "Deny a pending action in your own name");
        var command = new Command(name, description) { approval, comment };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var target = parse.GetValue(approval)!;
            var (user, updated) = await DecideAsync(context.Resources, target, verdict, parse.GetValue(comment), ct);
            await context.Output.WriteLineAsync(
                $"agentapproval.{ApiGroup.Group}/{target} {(verdict == ApproverVerdict.Approve ? "approved" : "denied")} by {user} ({ApprovalsCommand.Verdicts(updated)})");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Records <paramref name="verdict"/> on approval <paramref name="target"/> in the name the API server authenticates the
    /// session as; the command and the console both decide through here. Throws <see cref="CommandFailureException"/> with
    /// the reason (already decided, already given, or the API server's refusal).
    /// </summary>
    public static async Task<(string User, AgentApproval Updated)> DecideAsync(AgentResources resources, string target, ApproverVerdict verdict, string? comment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var user = await resources.WhoAmIAsync(ct);
        var current = await resources.GetApprovalAsync(target, ct);
        var decision = current.Status?.Decision ?? ApprovalDecision.Pending;
        if (decision != ApprovalDecision.Pending)
        {
            throw new CommandFailureException($"error: approval {target} is already {decision}: a decision is final");
        }

        if (current.Status?.Approvals?.Any(v => v.User == user) == true)
        {
            throw new CommandFailureException($"error: {user} has already given a verdict on approval {target}");
        }

        // The API server's admission policies decide (name, verb, Pending, once per user); their refusal is printed as is.
        var updated = await resources.AppendVerdictAsync(current, new ApproverDecision { User = user, Verdict = verdict, Comment = comment }, ct);
        return (user, updated);
    }
}
