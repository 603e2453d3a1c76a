using Spectre.Console;
using Spectre.Console.Rendering;

namespace AgentOperator.DevMode.LiveView;

/// <summary>The live view: workflows, gateway traffic per revision, pods, recent Events and warnings, redrawn each refresh.</summary>
internal static class LiveDashboard
{
    public static IRenderable Render(ClusterSnapshot snapshot, string header, IReadOnlyList<string> warnings)
    {
        var workflows = new Table().Border(TableBorder.Rounded).Title("[bold]AgentWorkflows[/]").Expand()
            .AddColumns("namespace", "name", "phase", "gen/observed", "stable", "canary", "conditions");
        foreach (var w in snapshot.Workflows)
        {
            workflows.AddRow(
                Esc(w.Namespace),
                $"[bold]{Esc(w.Name)}[/]",
                Phase(w.Phase),
                $"{w.Generation}/{w.ObservedGeneration?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"}",
                Esc(w.StableRevision ?? "—"),
                w.CanaryRevision is { } canary ? Esc($"{canary} @ {w.CanaryWeight}%") : "—",
                string.Join(" ", w.Conditions.Select(c => $"[{(c.Status == "True" ? "green" : c.Status == "False" ? "red" : "yellow")}]{Esc(c.Type)}[/]")));
        }

        var traffic = new Table().Border(TableBorder.Rounded).Title("[bold]Gateway traffic[/] (from each pod's /metrics)").Expand()
            .AddColumns("workflow", "revision", "gateways", "runs by outcome", "tool calls by decision", "tokens", "cost");
        foreach (var t in snapshot.Traffic)
        {
            traffic.AddRow(Esc(t.Workflow), Esc(t.Revision), t.Gateways.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Esc(TrafficSummary.Runs(t)), Esc(TrafficSummary.ToolCalls(t)), TrafficSummary.Tokens(t), TrafficSummary.Cost(t));
        }

        var pods = new Table().Border(TableBorder.Rounded).Title("[bold]Pods[/]").Expand().AddColumns("namespace", "name", "phase", "ready", "ip", "restarts");
        foreach (var p in snapshot.Pods)
        {
            pods.AddRow(Esc(p.Namespace), Esc(p.Name), Phase(p.Phase), p.Ready ? "[green]yes[/]" : "no", Esc(p.PodIp ?? "—"),
                p.Restarts == 0 ? "0" : $"[yellow]{p.Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture)}[/]");
        }

        var events = new Table().Border(TableBorder.Rounded).Title("[bold]Recent events[/]").Expand().AddColumns("time", "object", "type", "reason", "message");
        foreach (var e in snapshot.Events)
        {
            events.AddRow(e.Time.ToLocalTime().ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), Esc($"{e.Namespace}/{e.Object}"),
                e.Type == "Warning" ? "[yellow]Warning[/]" : "Normal", Esc(e.Reason), Esc(e.Message.Length > 120 ? e.Message[..117] + "..." : e.Message));
        }

        var parts = new List<IRenderable> { new Markup(header), workflows, traffic, pods, events };
        if (snapshot.Error is { } error)
        {
            parts.Add(new Markup($"[red]error reading the cluster:[/] {Esc(error)}"));
        }

        if (warnings.Count > 0)
        {
            parts.Add(new Panel(new Rows(warnings.Select(w => new Markup($"[yellow]{Esc(w)}[/]")))).Header("dev mode").Expand());
        }

        return new Rows(parts);
    }

    private static string Phase(string phase) => phase switch
    {
        "Ready" or "Running" or "Succeeded" => $"[green]{phase}[/]",
        "Failed" or "Degraded" or "Invalid" => $"[red]{phase}[/]",
        _ => $"[yellow]{Esc(phase)}[/]",
    };

    private static string Esc(string text) => Markup.Escape(text);
}
