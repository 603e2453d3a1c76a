using System.Globalization;
using System.Text;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Commands;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary><c>/</c>: every workflow in scope with what <c>kubectl agents status</c> shows, and what waits for a human.</summary>
public static class OverviewPage
{
    private static readonly string[] Headers = ["Namespace", "Workflow", "Phase", "Autonomy", "Stable", "Canary", "Weight", "Step", "Kill switch", "Pending approvals", "Why"];

    public static Task<IResult> RenderAsync(ConsoleContext console, CancellationToken ct) => ConsoleContext.RenderAsync("Workflows", "/", async () =>
    {
        ArgumentNullException.ThrowIfNull(console);
        var workflows = await console.Cluster.ListWorkflowsAsync(ct);
        var pending = (await console.Cluster.ListApprovalsAsync(ct)).Where(a => a.Decision == ApprovalDecision.Pending)
            .GroupBy(a => (a.Approval.Metadata.NamespaceProperty, a.Approval.Spec.Workflow)).ToDictionary(g => g.Key, g => g.Count());
        if (workflows.Count == 0)
        {
            return $"<p>No AgentWorkflows in {Html.E(console.Cluster.Scope)}.</p>";
        }

        var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<p>{workflows.Count} workflow(s) in {Html.E(console.Cluster.Scope)}.</p>");
        html.Append("<table id=\"workflows\"><caption>AgentWorkflows</caption><thead><tr>");
        foreach (var header in Headers)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th scope=\"col\">{header}</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var workflow in workflows)
        {
            var s = WorkflowSummary.Of(workflow);
            var waiting = pending.GetValueOrDefault((s.Namespace, s.Name));
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{Html.E(s.Namespace)}</td><th scope=\"row\"><a href=\"/workflows/{Html.Segment(s.Namespace)}/{Html.Segment(s.Name)}\">{Html.E(s.Name)}</a></th>"
                + $"<td>{Html.E(s.Phase)}</td><td>{Html.E(s.Autonomy)}</td><td>{Html.E(s.Stable)}</td><td>{Html.E(s.Canary)}</td><td>{Html.E(s.Weight == "-" ? "-" : s.Weight + " %")}</td>"
                + $"<td>{Html.E(s.Step)}</td><td class=\"{(s.KillSwitch == "off" ? "" : "bad-text")}\">{Html.E(s.KillSwitch)}</td>"
                + $"<td>{(waiting > 0 ? $"<a href=\"/approvals\">{waiting} waiting</a>" : "0")}</td><td>{Html.E(s.Reason == "-" ? "" : $"{s.Reason}: {s.Message}")}</td></tr>");
        }

        html.Append("</tbody></table>");
        return html.ToString();
    });
}
