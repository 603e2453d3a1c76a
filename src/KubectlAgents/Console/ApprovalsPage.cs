using System.Globalization;
using System.Text;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Commands;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// <c>/approvals</c>: the inbox. Each pending approval as an action packet — workflow, run, tool and action, tier, the
/// redacted input, the agent's intent and reason where recorded, why it needs a human, verdicts so far, expiry — with the
/// evidence of the run's earlier calls from the runs API, and approve/deny buttons that decide exactly as
/// <c>kubectl agents approve|deny</c> does (<see cref="VerdictCommand.DecideAsync"/>): in the name the API server
/// authenticates, under its admission policies. Decided ones follow, newest first.
/// </summary>
public static class ApprovalsPage
{
    public static Task<IResult> RenderAsync(ConsoleContext console, CancellationToken ct) => ConsoleContext.RenderAsync("Approvals", "/approvals", async () =>
    {
        ArgumentNullException.ThrowIfNull(console);
        var approvals = await console.Cluster.ListApprovalsAsync(ct);
        var pending = approvals.Where(a => a.Decision == ApprovalDecision.Pending).ToList();
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<p>{pending.Count} action(s) waiting for a human in {Html.E(console.Cluster.Scope)}.</p>");
        foreach (var packet in pending)
        {
            html.Append(await PacketAsync(packet, console, ct));
        }

        var decided = approvals.Where(a => a.Decision != ApprovalDecision.Pending).Take(50).ToList();
        if (decided.Count > 0)
        {
            html.Append("<h2>Decided</h2><table id=\"decided\"><caption>Decided and expired approvals, newest first</caption><thead><tr><th scope=\"col\">Approval</th><th scope=\"col\">Workflow</th><th scope=\"col\">Tool</th><th scope=\"col\">Decision</th><th scope=\"col\">Verdicts</th><th scope=\"col\">Decided (UTC)</th></tr></thead><tbody>");
            foreach (var packet in decided)
            {
                var a = packet.Approval;
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{Html.E(a.Metadata.NamespaceProperty)}/{Html.E(a.Metadata.Name)}</td><td>{Html.E(a.Spec.Workflow)}</td><td>{Html.E(a.Spec.Tool)}</td><td>{Html.E(packet.Decision.ToString())}</td>"
                    + $"<td>{Html.E(string.Join(", ", (a.Status?.Approvals ?? []).Select(v => $"{v.User}: {v.Verdict.ToString().ToLowerInvariant()}" + (v.Comment is { Length: > 0 } c ? $" ({c})" : ""))))}</td><td>{Html.Time(a.Status?.DecidedAt)}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        return html.ToString();
    });

    public static async Task<IResult> DecideAsync(string ns, string name, ApproverVerdict verdict, HttpRequest request, ConsoleContext console, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(console);
        if (ConsoleContext.BadName("Approvals", "/approvals", ("namespace", ns), ("approval", name)) is { } bad)
        {
            return bad;
        }

        var comment = (await request.ReadFormAsync(ct))["comment"].ToString();
        return await ConsoleContext.RenderAsync("Approvals", "/approvals", async () =>
        {
            var (user, updated) = await VerdictCommand.DecideAsync(console.Cluster.In(ns), name, verdict, comment.Length > 0 ? comment : null, ct);
            return Html.Notice($"{name} {(verdict == ApproverVerdict.Approve ? "approved" : "denied")} by {user} ({ApprovalsCommand.Verdicts(updated)})", error: false)
                + "<p><a href=\"/approvals\">Back to the inbox</a></p>";
        });
    }

    private static async Task<string> PacketAsync(ApprovalPacket packet, ConsoleContext console, CancellationToken ct)
    {
        var a = packet.Approval;
        var ns = a.Metadata.NamespaceProperty;
        var id = $"approval-{a.Metadata.Name}";
        var now = console.Time.GetUtcNow();
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<section class=\"packet\" id=\"{Html.E(id)}\" aria-labelledby=\"{Html.E(id)}-title\">");
        html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"{Html.E(id)}-title\">{Html.E(a.Spec.Tool)} ({Html.E(a.Spec.Action.ToString().ToLowerInvariant())}) for {Html.E(a.Spec.Workflow)}</h2><dl>");
        foreach (var (term, value) in new[]
        {
            ("Approval", $"{ns}/{a.Metadata.Name}"), ("Workflow", $"{a.Spec.Workflow} (revision {a.Spec.Revision})"), ("Run", a.Spec.RunId),
            ("Tool", a.Spec.Tool), ("Action", a.Spec.Action.ToString().ToLowerInvariant()), ("Risk tier", a.Spec.RiskTier.ToString(CultureInfo.InvariantCulture)),
            ("Agent's intent", packet.Intent ?? "not recorded"), ("Agent's reason", packet.Reason ?? "not recorded"), ("Why a human", packet.Approval.Spec.PolicyReason ?? "-"),
            ("Verdicts", ApprovalsCommand.Verdicts(a)), ("Expires", a.Spec.ExpiresAt > now ? $"{Html.Time(a.Spec.ExpiresAt)} (in {Output.Ages.Format(a.Spec.ExpiresAt - now)})" : "expired"),
        })
        {
            html.Append(CultureInfo.InvariantCulture, $"<dt>{Html.E(term)}</dt><dd>{Html.E(value)}</dd>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<dt>Input (redacted)</dt><dd><pre>{Html.E(a.Spec.Input?.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) ?? "{}")}</pre></dd></dl>");
        html.Append(await EvidenceAsync(a, console, ct));
        var action = $"/approvals/{Html.Segment(ns)}/{Html.Segment(a.Metadata.Name)}";
        html.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" class=\"actions\" aria-label=\"Decide {Html.E(a.Metadata.Name)}\">{Html.CsrfField(console.CsrfToken)}");
        html.Append(CultureInfo.InvariantCulture, $"<div><label for=\"{Html.E(id)}-comment\">Comment (recorded with your verdict)</label><input type=\"text\" id=\"{Html.E(id)}-comment\" name=\"comment\" maxlength=\"1024\"></div>");
        html.Append(CultureInfo.InvariantCulture, $"<button type=\"submit\" class=\"approve\" formaction=\"{action}/approve\">Approve</button>");
        html.Append(CultureInfo.InvariantCulture, $"<button type=\"submit\" class=\"deny\" formaction=\"{action}/deny\">Deny</button></form></section>");
        return html.ToString();
    }

    /// <summary>The run's calls before this approval was asked for, from the runs API: what the agent did to get here.</summary>
    private static async Task<string> EvidenceAsync(AgentApproval approval, ConsoleContext console, CancellationToken ct)
    {
        if (console.Collector is null)
        {
            return $"<p>Evidence: {Html.E(ConsoleContext.NoCollector)}</p>";
        }

        RunRecord? run;
        try
        {
            run = await console.Collector.GetRunAsync(approval.Metadata.NamespaceProperty, approval.Spec.Workflow, approval.Spec.RunId, ct);
        }
        catch (CommandFailureException e)
        {
            return $"<p>Evidence: {Html.E(e.Message)}</p>";
        }

        // The calls the run's gateway recorded before the one that asked for this approval (its escalate record names it):
        // by sequence, as a whole run often fits within the second the approval's creationTimestamp is truncated to.
        var asked = run?.Decisions.FirstOrDefault(d => d.ApprovalId == approval.Metadata.Name && d.Decision == ToolDecisions.Escalate);
        var earlier = asked is null ? [] : run!.Decisions.Where(d => d.Sequence < asked.Sequence).ToList();
        if (earlier.Count == 0)
        {
            return $"<p>Evidence: the collector has no earlier calls of run {Html.E(approval.Spec.RunId)} yet.</p>";
        }

        var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<table class=\"evidence\"><caption>Evidence: the {earlier.Count} earlier call(s) of run {Html.E(approval.Spec.RunId)}</caption>");
        html.Append("<thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Call</th><th scope=\"col\">Decision</th><th scope=\"col\">Rule</th><th scope=\"col\">Reason</th></tr></thead><tbody>");
        foreach (var d in earlier)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{Html.Time(d.Time)}</td><td>{Html.E(RunsPage.Call(d))}</td><td>{Html.E(d.Decision)}</td><td>{Html.E(d.Rule)}</td><td>{Html.E(d.Reason)}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }
}
