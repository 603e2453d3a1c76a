using System.Globalization;
using System.Text;
using AgentOperator.Contracts;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// <c>/runs</c>: the runs of the last 24 hours of every workflow in scope (or one, with <c>?namespace=&amp;workflow=</c>),
/// and <c>/runs/{ns}/{workflow}/{runId}</c>: one run's trace, every decision in order with its rule and reason, from the
/// audit collector's runs API read with the user's token.
/// </summary>
public static class RunsPage
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    private static readonly string[] ListHeaders = ["Run", "Workflow", "Revision", "Started (UTC)", "Outcome", "Steps", "Tool calls", "Tokens", "Cost (USD)", "Duration"];
    private static readonly string[] TraceHeaders = ["#", "Time (UTC)", "Kind", "Call", "Decision", "Rule", "Reason", "Agent intent", "Status", "Executed"];

    public static Task<IResult> ListAsync(string? ns, string? workflow, ConsoleContext console, CancellationToken ct) =>
        (ns, workflow) is ({ } n, { } w) && ConsoleContext.BadName("Runs", "/runs", ("namespace", n), ("workflow", w)) is { } bad ? Task.FromResult(bad) : ConsoleContext.RenderAsync("Runs", "/runs", async () =>
        {
            ArgumentNullException.ThrowIfNull(console);
            if (console.Collector is null)
            {
                return Html.Notice(ConsoleContext.NoCollector, error: true);
            }

            IEnumerable<(string Namespace, string Name)> workflows = ns is not null && workflow is not null
                ? [(ns, workflow)]
                : (await console.Cluster.ListWorkflowsAsync(ct)).Select(w => (w.Metadata.NamespaceProperty, w.Metadata.Name));
            var since = console.Time.GetUtcNow() - Window;
            List<RunRecord> runs = [];
            foreach (var (n, w) in workflows)
            {
                runs.AddRange(await console.Collector.ListRunsAsync(n, w, since, ct));
            }

            if (runs.Count == 0)
            {
                return $"<p>No runs since {Html.Time(since)} in the audit store at {Html.E(console.Collector.Address.ToString())}.</p>";
            }

            var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<p>{runs.Count} run(s) since {Html.Time(since)}.</p>");
            html.Append("<table id=\"runs\"><caption>Runs, newest first</caption><thead><tr>");
            foreach (var header in ListHeaders)
            {
                html.Append(CultureInfo.InvariantCulture, $"<th scope=\"col\">{header}</th>");
            }

            html.Append("</tr></thead><tbody>");
            foreach (var run in runs.OrderByDescending(r => r.StartedAt))
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><th scope=\"row\"><a href=\"/runs/{Html.Segment(run.Namespace)}/{Html.Segment(run.Workflow)}/{Html.Segment(run.RunId)}\">{Html.E(run.RunId)}</a></th>"
                    + $"<td>{Html.E(run.Namespace)}/{Html.E(run.Workflow)}</td><td>{Html.E(run.Revision)}</td><td>{Html.Time(run.StartedAt)}</td><td>{Html.E(run.Outcome ?? "open")}</td>"
                    + $"<td>{run.Steps}</td><td>{run.ToolCalls}</td><td>{run.Tokens.Sum(t => t.InputTokens + t.OutputTokens)}</td><td>{run.CostUsd.ToString("0.####", CultureInfo.InvariantCulture)}</td>"
                    + $"<td>{(run.DurationMs is { } ms ? Html.Number(ms / 1000) + " s" : "-")}</td></tr>");
            }

            return html.Append("</tbody></table>").ToString();
        });

    public static Task<IResult> TraceAsync(string ns, string workflow, string runId, ConsoleContext console, CancellationToken ct) =>
        ConsoleContext.BadName("Run", "/runs", ("namespace", ns), ("workflow", workflow)) is { } bad ? Task.FromResult(bad) : ConsoleContext.RenderAsync($"Run {runId}", "/runs", async () =>
        {
            ArgumentNullException.ThrowIfNull(console);
            if (console.Collector is null)
            {
                return Html.Notice(ConsoleContext.NoCollector, error: true);
            }

            var run = await console.Collector.GetRunAsync(ns, workflow, runId, ct)
                ?? throw new Cli.CommandFailureException($"Error from server (NotFound): workflow {ns}/{workflow} has no stored run '{runId}'");
            var html = new StringBuilder("<dl class=\"packet\" id=\"run-summary\">");
            foreach (var (term, value) in new[]
            {
                ("Workflow", $"{run.Namespace}/{run.Workflow}"), ("Revision", run.Revision), ("Pod", run.Pod), ("Started", Html.Time(run.StartedAt)),
                ("Completed", Html.Time(run.CompletedAt)), ("Outcome", run.Outcome ?? "open"), ("Ended by budget", run.TerminatedBy ?? "-"),
                ("Steps", run.Steps.ToString(CultureInfo.InvariantCulture)), ("Tool calls", run.ToolCalls.ToString(CultureInfo.InvariantCulture)),
                ("Cost (USD)", run.CostUsd.ToString("0.####", CultureInfo.InvariantCulture)),
                ("Tokens", string.Join("; ", run.Tokens.Select(t => $"{t.Role} on {t.Model}: {t.InputTokens} in, {t.OutputTokens} out"))),
                ("Approvals", string.Join("; ", run.Approvals.Select(a => $"{a.ApprovalId} for {a.Tool} by {string.Join(", ", a.Approvers)} at {Html.Time(a.Time)}"))),
            })
            {
                html.Append(CultureInfo.InvariantCulture, $"<dt>{Html.E(term)}</dt><dd>{Html.E(value.Length == 0 ? "-" : value)}</dd>");
            }

            html.Append("</dl><table id=\"trace\"><caption>Every decision of the run, in order</caption><thead><tr>");
            foreach (var header in TraceHeaders)
            {
                html.Append(CultureInfo.InvariantCulture, $"<th scope=\"col\">{header}</th>");
            }

            html.Append("</tr></thead><tbody>");
            foreach (var d in run.Decisions)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{d.Sequence}</td><td>{Html.Time(d.Time)}</td><td>{Html.E(d.Kind)}</td><td>{Html.E(Call(d))}</td><td class=\"{(d.Decision is "allow" ? "ok-text" : d.Decision is null ? "" : "bad-text")}\">{Html.E(d.Decision)}</td>"
                    + $"<td>{Html.E(d.Rule)}</td><td>{Html.E(d.Reason)}</td><td>{Html.E(AgentPacket(d))}</td><td>{d.Status?.ToString(CultureInfo.InvariantCulture) ?? "-"}</td><td>{(d.Executed is { } e ? (e ? "yes" : "no") : "-")}</td></tr>");
            }

            return html.Append("</tbody></table>").ToString();
        });

    /// <summary>The intent and reason the agent stated for a call (its action packet), or null when it gave none.</summary>
    public static string? AgentPacket(RunDecision d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return (d.AgentIntent, d.AgentReason) switch
        {
            (null, null) => null,
            ({ } intent, null) => intent,
            (null, { } reason) => $"because {reason}",
            ({ } intent, { } reason) => $"{intent}, because {reason}",
        };
    }

    /// <summary>A decision's call in a few words: <c>tool crm.lookup (read)</c> or <c>model gpt-4o (executor)</c>.</summary>
    public static string Call(RunDecision d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.Tool is not null ? $"tool {d.Tool}" + (d.Action is null ? "" : $" ({d.Action})")
            : d.Model is not null ? $"model {d.Model}" + (d.Role is null ? "" : $" ({d.Role})")
            : d.Kind;
    }
}
