using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// <c>/audit</c>: the workflows whose audit trail can be verified; <c>/audit/{ns}/{workflow}</c>: every chain of the
/// workflow in the audit store verified against the collector's signed checkpoints and expiries, as
/// <c>gateway verify --collector</c> does, with the first problem and its position when a chain is tampered.
/// </summary>
public static class AuditPage
{
    public static Task<IResult> IndexAsync(ConsoleContext console, CancellationToken ct) => ConsoleContext.RenderAsync("Audit verification", "/audit", async () =>
    {
        ArgumentNullException.ThrowIfNull(console);
        var html = new StringBuilder(console.Collector is null ? Html.Notice(ConsoleContext.NoCollector, error: true) : "");
        html.Append("<p>Choose a workflow: its chains are read as you from the audit collector and verified here.</p><ul id=\"audit-workflows\">");
        foreach (var w in await console.Cluster.ListWorkflowsAsync(ct))
        {
            html.Append(CultureInfo.InvariantCulture, $"<li><a href=\"/audit/{Html.Segment(w.Metadata.NamespaceProperty)}/{Html.Segment(w.Metadata.Name)}\">Verify {Html.E(w.Metadata.NamespaceProperty)}/{Html.E(w.Metadata.Name)}</a></li>");
        }

        return html.Append("</ul>").ToString();
    });

    public static Task<IResult> VerifyAsync(string ns, string workflow, ConsoleContext console, CancellationToken ct) =>
        ConsoleContext.BadName("Audit verification", "/audit", ("namespace", ns), ("workflow", workflow)) is { } bad ? Task.FromResult(bad) : ConsoleContext.RenderAsync($"Audit verification of {ns}/{workflow}", "/audit", async () =>
        {
            ArgumentNullException.ThrowIfNull(console);
            if (console.Collector is null)
            {
                return Html.Notice(ConsoleContext.NoCollector, error: true);
            }

            var reports = await console.Collector.VerifyAsync(ns, workflow, console.Time, ct);
            if (reports.Count == 0)
            {
                return $"<p id=\"verdict\">The audit store holds no chain of {Html.E(ns)}/{Html.E(workflow)} yet: no gateway of it has shipped records.</p>";
            }

            var intact = reports.All(r => r.IsIntact);
            var html = new StringBuilder(Html.Notice(intact
                ? $"Intact: {reports.Count} chain(s), {reports.Sum(r => r.Records)} records, verified against the collector's signed checkpoints."
                : $"TAMPERED: {reports.Count(r => !r.IsIntact)} of {reports.Count} chain(s) fail verification.", error: !intact));
            html.Append("<table id=\"chains\"><caption>Chains of the workflow (one per gateway pod)</caption><thead><tr><th scope=\"col\">Chain</th><th scope=\"col\">Records</th><th scope=\"col\">Expired under retention</th><th scope=\"col\">Signed checkpoints</th><th scope=\"col\">Anchored through</th><th scope=\"col\">Result</th></tr></thead><tbody>");
            foreach (var r in reports)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{Html.E(r.Chain)}</td><td>{r.Records}</td><td>{r.Expired}</td><td>{r.Checkpoints}</td><td>{r.AnchoredThrough}</td><td class=\"{(r.IsIntact ? "ok-text" : "bad-text")}\">{Html.E(r.ToString())}</td></tr>");
            }

            html.Append("</tbody></table><p>The key is the collector's own (fetched from it); for an independent check pin it with <code>gateway verify --public-key</code>, as the README's \"Audit trail\" says.</p>");
            return html.ToString();
        });
}
