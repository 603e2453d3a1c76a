using System.Globalization;
using System.Text;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// Draws <c>status.analysisHistory</c> as inline SVG: for each metric, its value at every analysis run of the canary as a
/// line over time, the threshold as a dashed line, each point coloured by that run's verdict of the metric. An SRE sees at
/// a glance whether a metric drifts towards its threshold. Every chart has a title and a description, and the data
/// follows as a table.
/// </summary>
public static class AnalysisHistoryChart
{
    private const int Width = 800, Height = 160, Left = 64, Right = 24, Top = 16, Bottom = 32;

    public static string Render(IReadOnlyList<AnalysisRun>? history)
    {
        var runs = (history ?? []).Where(r => r.Time is not null && r.Metrics is { Count: > 0 }).OrderBy(r => r.Time).ToList();
        if (runs.Count == 0)
        {
            return "<p>No analysis run recorded for this canary yet (<code>status.analysisHistory</code> is empty).</p>";
        }

        var html = new StringBuilder();
        var names = runs.SelectMany(r => r.Metrics!).Select(m => m.Name).Distinct(StringComparer.Ordinal).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            var points = runs.SelectMany(r => r.Metrics!.Where(m => m.Name == names[i]).Take(1).Select(m => (Time: r.Time!.Value, Metric: m))).ToList();
            html.Append(Chart($"analysis-history-{i}", names[i], points));
        }

        html.Append("<details><summary>Analysis runs as a table</summary><table><caption>Each analysis run of the canary, oldest first</caption><thead><tr>"
            + "<th scope=\"col\">Time (UTC)</th><th scope=\"col\">Revision</th><th scope=\"col\">Metric</th><th scope=\"col\">Value</th><th scope=\"col\">Threshold</th><th scope=\"col\">Verdict</th></tr></thead><tbody>");
        foreach (var run in runs)
        {
            foreach (var metric in run.Metrics!)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{Html.Time(run.Time)}</td><td>{Html.E(run.Revision)}</td><td>{Html.E(metric.Name)}</td><td>{Html.E(metric.Value ?? "no data")}</td><td>{Html.E(metric.Threshold ?? "-")}</td><td>{Html.E(metric.Verdict.ToString())}</td></tr>");
            }
        }

        return html.Append("</tbody></table></details>").ToString();
    }

    private static string Chart(string id, string name, List<(DateTimeOffset Time, MetricResult Metric)> points)
    {
        var start = points[0].Time;
        var span = Math.Max(1, (points[^1].Time - start).TotalSeconds);
        var values = points.Select(p => RolloutTimelineChart.FirstNumber(p.Metric.Value)).ToList();
        // A threshold that changed mid-canary (a spec edit) is drawn at its latest value; the table shows each run's.
        var threshold = points.Select(p => RolloutTimelineChart.FirstNumber(p.Metric.Threshold)).LastOrDefault(t => t is not null);
        var top = values.Append(threshold).Where(v => v is not null).Select(v => Math.Abs(v!.Value)).DefaultIfEmpty(0).Max() * 1.25;
        top = top > 0 ? top : 1;
        double X(DateTimeOffset t) => points.Count == 1 ? (Left + Width - Right) / 2.0 : Left + ((t - start).TotalSeconds / span * (Width - Left - Right));
        double Y(double v) => Top + ((top - v) / top * (Height - Top - Bottom));

        var description = $"{name} at {points.Count} analysis run(s) from {Html.Time(start)} to {Html.Time(points[^1].Time)}"
            + (threshold is { } th ? $", threshold {points[^1].Metric.Threshold ?? RolloutTimelineChart.N(th)}" : ", no threshold")
            + ": " + string.Join("; ", points.Select(p => $"{p.Metric.Value ?? "no data"} ({p.Metric.Verdict})")) + ".";
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart analysis-history\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{id}-title\">{Html.E(name)} over the canary's analysis runs, against its threshold</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<desc id=\"{id}-desc\">{Html.E(description)}</desc>");
        foreach (var grid in new[] { 0, top / 2, top })
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{RolloutTimelineChart.N(Y(grid))}\" y2=\"{RolloutTimelineChart.N(Y(grid))}\" stroke=\"#d0d7de\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{RolloutTimelineChart.N(Y(grid) + 4)}\" text-anchor=\"end\" font-size=\"11\" fill=\"#57606a\">{grid.ToString("0.###", CultureInfo.InvariantCulture)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - 8}\" font-size=\"11\" fill=\"#57606a\">{start.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - 8}\" text-anchor=\"end\" font-size=\"11\" fill=\"#57606a\">{points[^1].Time.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} (UTC)</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 8}\" y=\"{Top + 10}\" font-size=\"12\" fill=\"#1b1f24\">{Html.E(name)}</text>");
        if (threshold is { } limit)
        {
            var y = RolloutTimelineChart.N(Y(Math.Abs(limit)));
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"threshold\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#1b1f24\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"><title>threshold {Html.E(points[^1].Metric.Threshold)}</title></line>");
        }

        var drawn = points.Zip(values).Where(p => p.Second is not null).Select(p => (p.First.Time, p.First.Metric, Value: Math.Abs(p.Second!.Value))).ToList();
        if (drawn.Count > 1)
        {
            var path = string.Join(" ", drawn.Select((p, i) => $"{(i == 0 ? "M" : "L")}{RolloutTimelineChart.N(X(p.Time))},{RolloutTimelineChart.N(Y(p.Value))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>");
        }

        foreach (var (time, metric, value) in drawn)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<circle class=\"run {metric.Verdict.ToString().ToLowerInvariant()}\" cx=\"{RolloutTimelineChart.N(X(time))}\" cy=\"{RolloutTimelineChart.N(Y(value))}\" r=\"4\" fill=\"{RolloutTimelineChart.Color(metric.Verdict)}\"><title>{Html.E($"{Html.Time(time)}: {metric.Value}, threshold {metric.Threshold ?? "none"}: {metric.Verdict}")}</title></circle>");
        }

        return svg.Append("</svg>").ToString();
    }
}
