using System.CommandLine;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Output;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>approvals</c>: what waits for a human — workflow, run, tool and action, tier, the redacted input, the agent's intent
/// and reason (its action packet), why it needs a
/// human, verdicts so far of those required, and time left. <c>--all</c> adds the decided ones.
/// </summary>
public static class ApprovalsCommand
{
    private const int InputWidth = 60;

    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var all = new Option<bool>("--all") { Description = "Also list decided and expired approvals" };
        var command = new Command("approvals", "List the actions waiting for a human decision") { all };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var approvals = (await context.Resources.ListApprovalsAsync(ct))
                .Where(a => parse.GetValue(all) || (a.Status?.Decision ?? ApprovalDecision.Pending) == ApprovalDecision.Pending)
                .ToList();
            switch (context.Format)
            {
                case OutputFormat.Json:
                    ObjectOutput.WriteJson(context.Output, ObjectOutput.List(approvals));
                    return 0;
                case OutputFormat.Yaml:
                    ObjectOutput.WriteYaml(context.Output, ObjectOutput.List(approvals));
                    return 0;
            }

            if (approvals.Count == 0)
            {
                var where = context.Session.AllNamespaces ? "" : $" in {context.Session.Namespace} namespace";
                await context.Error.WriteLineAsync(parse.GetValue(all) ? $"No approvals found{where}." : $"No approvals pending{where}.");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            string[] headers = ["NAME", "WORKFLOW", "RUN", "TOOL", "ACTION", "TIER", "INPUT", "INTENT", "AGENT REASON", "WHY", "VERDICTS", "DECISION", "EXPIRES IN", "AGE"];
            var table = new Table(context.Session.AllNamespaces ? ["NAMESPACE", .. headers] : headers);
            foreach (var a in approvals)
            {
                var input = a.Spec.Input?.ToJsonString() ?? "{}";
                string[] cells =
                [
                    a.Metadata.Name, a.Spec.Workflow, a.Spec.RunId, a.Spec.Tool, a.Spec.Action.ToString().ToLowerInvariant(),
                    a.Spec.RiskTier.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    input.Length > InputWidth ? input[..(InputWidth - 3)] + "..." : input,
                    Cut(a.Spec.Intent), Cut(a.Spec.Reason),
                    a.Spec.PolicyReason ?? "-",
                    Verdicts(a),
                    (a.Status?.Decision ?? ApprovalDecision.Pending).ToString(),
                    a.Spec.ExpiresAt > now ? Ages.Format(a.Spec.ExpiresAt - now) : "expired",
                    Ages.Since(a.Metadata.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : null, now),
                ];
                table.Add(context.Session.AllNamespaces ? [a.Metadata.NamespaceProperty, .. cells] : cells);
            }

            table.WriteTo(context.Output);
            return 0;
        });
        return command;
    }

    // The agent's own words, on one line and cut to fit: -o yaml shows them whole.
    private static string Cut(string? text) => text is null ? "-" : text.Length > InputWidth ? text[..(InputWidth - 3)] + "..." : text;

    /// <summary><c>1/2 alice:approve</c>: approving verdicts of those required, then each verdict by user.</summary>
    public static string Verdicts(AgentApproval approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        var verdicts = approval.Status?.Approvals ?? [];
        var approving = verdicts.Where(v => v.Verdict == ApproverVerdict.Approve).Select(v => v.User).Distinct(StringComparer.Ordinal).Count();
        var who = string.Join(",", verdicts.Select(v => $"{v.User}:{(v.Verdict == ApproverVerdict.Approve ? "approve" : "deny")}"));
        return $"{approving}/{approval.Spec.ApprovalsRequired}" + (who.Length > 0 ? " " + who : "");
    }
}
