using System.Globalization;
using System.Text;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Commands;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// <c>/workflows/{ns}/{name}</c>: status, the rollout timeline chart, the last analysis against its thresholds, revision
/// history, recent Events, and the kill switch (engaged only after a confirmation page, as <c>kubectl agents kill</c>).
/// </summary>
public static class WorkflowPage
{
    public static Task<IResult> RenderAsync(string ns, string name, ConsoleContext console, CancellationToken ct) =>
        ConsoleContext.BadName("Workflow", "/", ("namespace", ns), ("workflow", name)) is { } bad ? Task.FromResult(bad) : ConsoleContext.RenderAsync($"Workflow {ns}/{name}", "/", async () =>
        {
            var workflow = await console.Cluster.In(ns).GetWorkflowAsync(name, ct);
            var s = WorkflowSummary.Of(workflow);
            var html = new StringBuilder();
            IReadOnlyList<k8s.Models.Corev1Event> events = [];
            try
            {
                events = await console.Cluster.WorkflowEventsAsync(ns, name, ct);
            }
            catch (Cli.CommandFailureException e)
            {
                // Reading Events is a separate permission (the built-in view role has it; agentoperator-viewer does not).
                html.Append(Html.Notice($"The workflow's Events cannot be read ({e.Message}): the chart shows status.history only, without canary weights.", error: true));
            }

            html.Append("<dl class=\"packet\" id=\"summary\">");
            foreach (var (term, value) in new[]
            {
                ("Phase", s.Phase), ("Autonomy", s.Autonomy), ("Stable revision", s.Stable), ("Canary revision", s.Canary),
                ("Canary weight", s.Weight == "-" ? "-" : s.Weight + " %"), ("Step", s.Step), ("Kill switch", s.KillSwitch),
                ("Why", s.Reason == "-" ? "-" : $"{s.Reason}: {s.Message}"), ("Credentials expire", s.CredentialsExpire),
            })
            {
                html.Append(CultureInfo.InvariantCulture, $"<dt>{Html.E(term)}</dt><dd>{Html.E(value)}</dd>");
            }

            html.Append("</dl>");
            html.Append("<h2>Rollout timeline</h2>");
            html.Append(RolloutTimelineChart.Weights(RolloutTimeline.Build(workflow, events, console.Time.GetUtcNow())));
            html.Append("<h2>Last analysis run</h2>");
            html.Append(RolloutTimelineChart.Metrics(workflow.Status?.LastAnalysis));
            html.Append("<h2>Analysis over the rollout</h2>");
            html.Append(AnalysisHistoryChart.Render(workflow.Status?.AnalysisHistory));

            html.Append("<h2>Revision history</h2>");
            if (workflow.Status?.History is { Count: > 0 } history)
            {
                html.Append("<table><caption>Promotions and rollbacks</caption><thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Revision</th><th scope=\"col\">Outcome</th><th scope=\"col\">Reason</th></tr></thead><tbody>");
                foreach (var entry in history.OrderByDescending(h => h.Time))
                {
                    html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Html.Time(entry.Time)}</td><td>{Html.E(entry.Revision)}</td><td>{Html.E(entry.Outcome.ToString())}</td><td>{Html.E(entry.Reason)}</td></tr>");
                }

                html.Append("</tbody></table>");
            }
            else
            {
                html.Append("<p>No revision promoted or rolled back yet.</p>");
            }

            html.Append("<h2>Recent events</h2><table><caption>Events of the workflow, newest first</caption><thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Type</th><th scope=\"col\">Reason</th><th scope=\"col\">Message</th></tr></thead><tbody>");
            foreach (var e in events.Reverse().Take(30))
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Html.Time(RolloutTimeline.TimeOf(e))}</td><td>{Html.E(e.Type)}</td><td>{Html.E(e.Reason)}</td><td>{Html.E(e.Message)}</td></tr>");
            }

            html.Append("</tbody></table>");
            html.Append("<h2>Kill switch</h2>");
            html.Append(AgentWorkflowAnnotations.KillSwitchEngaged(workflow)
                ? $"<p class=\"bad-text\">Engaged ({Html.E(s.KillSwitch)}): every write action is denied." +
                  (workflow.Metadata.Annotations?.TryGetValue(AgentWorkflowAnnotations.KillSwitch, out var who) == true ? $" {Html.E(who)}" : "") + "</p>"
                  + $"<form method=\"post\" action=\"/workflows/{Html.Segment(ns)}/{Html.Segment(name)}/unkill\">{Html.CsrfField(console.CsrfToken)}<button type=\"submit\">Release kill switch</button></form>"
                : $"<p>Off. <a id=\"kill-link\" href=\"/workflows/{Html.Segment(ns)}/{Html.Segment(name)}/kill\">Engage the kill switch…</a> (asks for confirmation)</p>");
            html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"/runs?namespace={Html.Segment(ns)}&amp;workflow={Html.Segment(name)}\">Runs of {Html.E(name)}</a> · <a href=\"/audit/{Html.Segment(ns)}/{Html.Segment(name)}\">Verify its audit trail</a></p>");
            return html.ToString();
        });

    /// <summary>The confirmation the kill switch sits behind: a reason, and the workflow's name typed again.</summary>
    public static IResult ConfirmKill(string ns, string name, ConsoleContext console, string? error = null) =>
        ConsoleContext.BadName("Kill switch", "/", ("namespace", ns), ("workflow", name)) ?? Results.Content(Html.Page($"Engage the kill switch of {ns}/{name}?", "/",
            (error is null ? "" : Html.Notice(error, error: true))
            + $"<p>Every write action of <strong>{Html.E(name)}</strong> will be denied, in every revision, until someone releases it. "
            + "Reads and model calls continue. The annotation records your name, the time and the reason.</p>"
            + $"<form method=\"post\" action=\"/workflows/{Html.Segment(ns)}/{Html.Segment(name)}/kill\">{Html.CsrfField(console.CsrfToken)}"
            + "<p><label for=\"reason\">Reason</label><input type=\"text\" id=\"reason\" name=\"reason\" maxlength=\"200\" required></p>"
            + $"<p><label for=\"confirm\">Type the workflow's name, {Html.E(name)}, to confirm</label><input type=\"text\" id=\"confirm\" name=\"confirm\" autocomplete=\"off\" required></p>"
            + $"<div class=\"actions\"><button type=\"submit\" class=\"danger\" id=\"engage\">Engage kill switch</button><a href=\"/workflows/{Html.Segment(ns)}/{Html.Segment(name)}\">Cancel</a></div></form>"),
            "text/html; charset=utf-8", statusCode: error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    public static async Task<IResult> KillAsync(string ns, string name, HttpRequest request, ConsoleContext console, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConsoleContext.BadName("Kill switch", "/", ("namespace", ns), ("workflow", name)) is { } bad)
        {
            return bad;
        }

        var form = await request.ReadFormAsync(ct);
        if (form["confirm"].ToString() != name)
        {
            return ConfirmKill(ns, name, console, $"The confirmation does not match: type {name} exactly to engage the kill switch.");
        }

        return await ConsoleContext.RenderAsync($"Kill switch of {ns}/{name}", "/", async () =>
        {
            var killed = await KillSwitchCommands.EngageAsync(console.Cluster.In(ns), name, form["reason"].ToString(), console.Time, ct);
            return Html.Notice($"Kill switch engaged on {ns}/{killed.Metadata.Name}: every write action is denied until it is released.", error: false)
                + $"<p><a href=\"/workflows/{Html.Segment(ns)}/{Html.Segment(name)}\">Back to {Html.E(name)}</a></p>";
        });
    }

    public static Task<IResult> UnkillAsync(string ns, string name, ConsoleContext console, CancellationToken ct) =>
        ConsoleContext.BadName("Kill switch", "/", ("namespace", ns), ("workflow", name)) is { } bad ? Task.FromResult(bad) : ConsoleContext.RenderAsync($"Kill switch of {ns}/{name}", "/", async () =>
        {
            await KillSwitchCommands.ReleaseAsync(console.Cluster.In(ns), name, ct);
            return Html.Notice($"Kill switch released on {ns}/{name}.", error: false) + $"<p><a href=\"/workflows/{Html.Segment(ns)}/{Html.Segment(name)}\">Back to {Html.E(name)}</a></p>";
        });
}
