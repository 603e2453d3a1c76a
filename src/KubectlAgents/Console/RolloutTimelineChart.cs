using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// Draws a <see cref="RolloutTimeline"/> as inline SVG on the server (no script, nothing fetched): the canary weight as a
/// step line over time with promotion, rollback and failed-analysis markers, and each metric of the last analysis run as a
/// bar against its threshold. Every chart is an image with a title and a description, followed by its data as a table.
/// </summary>
public static partial class RolloutTimelineChart
{
    private const int Width = 800, Height = 240, Left = 48, Right = 24, Top = 24, Bottom = 40;

    public static string Weights(RolloutTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var span = Math.Max(1, (timeline.End - timeline.Start).TotalSeconds);
        double X(DateTimeOffset t) => Left + ((t - timeline.Start).TotalSeconds / span * (Width - Left - Right));
        double Y(int weight) => Top + ((100 - weight) / 100.0 * (Height - Top - Bottom));

        var description = timeline.Weights.Count == 0
            ? $"No canary between {Html.Time(timeline.Start)} and {Html.Time(timeline.End)}."
            : "Canary weight: " + string.Join("; ", timeline.Weights.Select(w => $"{w.Weight} % from {Html.Time(w.Time)}"))
                + (timeline.Markers.Count == 0 ? "." : ". Markers: " + string.Join("; ", timeline.Markers.Select(m => $"{Label(m.Kind)} at {Html.Time(m.Time)}")) + ".");
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" id=\"rollout-chart\" role=\"img\" aria-labelledby=\"rollout-chart-title rollout-chart-desc\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append("<title id=\"rollout-chart-title\">Rollout timeline: canary weight over time</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<desc id=\"rollout-chart-desc\">{Html.E(description)}</desc>");
        foreach (var grid in new[] { 0, 25, 50, 75, 100 })
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{N(Y(grid))}\" y2=\"{N(Y(grid))}\" stroke=\"#d0d7de\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{N(Y(grid) + 4)}\" text-anchor=\"end\" font-size=\"11\" fill=\"#57606a\">{grid} %</text>");
        }

        for (var i = 0; i <= 4; i++)
        {
            var t = timeline.Start + ((timeline.End - timeline.Start) * i / 4);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(X(t))}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#57606a\">{t.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#57606a\">time (UTC)</text>");
        if (timeline.Weights.Count > 0)
        {
            var path = new StringBuilder().Append(CultureInfo.InvariantCulture, $"M{N(X(timeline.Weights[0].Time))},{N(Y(timeline.Weights[0].Weight))}");
            foreach (var point in timeline.Weights.Skip(1))
            {
                path.Append(CultureInfo.InvariantCulture, $" H{N(X(point.Time))} V{N(Y(point.Weight))}");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2.5\"/>");
            foreach (var point in timeline.Weights)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(X(point.Time))}\" cy=\"{N(Y(point.Weight))}\" r=\"3.5\" fill=\"#0969da\"><title>{Html.E($"{Html.Time(point.Time)}: {point.Weight} % — {point.Why}")}</title></circle>");
            }
        }

        foreach (var marker in timeline.Markers)
        {
            var x = N(X(marker.Time));
            var color = Color(marker.Kind);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"marker {marker.Kind.ToString().ToLowerInvariant()}\"><line x1=\"{x}\" x2=\"{x}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{(marker.Kind == TimelineMarkerKind.AnalysisFailed ? "3 3" : "6 3")}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{Top - 8}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{color}\">{Label(marker.Kind)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<title>{Html.E($"{Html.Time(marker.Time)}: {marker.Text}")}</title></g>");
        }

        svg.Append("</svg>");
        var table = new StringBuilder("<details><summary>Timeline as a table</summary><table><caption>Canary weights and markers</caption><thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">What</th><th scope=\"col\">Weight</th></tr></thead><tbody>");
        foreach (var (time, what, weight) in timeline.Weights.Select(w => (w.Time, w.Why, $"{w.Weight} %"))
            .Concat(timeline.Markers.Select(m => (m.Time, $"{Label(m.Kind)}: {m.Text}", "")))
            .OrderBy(r => r.Time))
        {
            table.Append(CultureInfo.InvariantCulture, $"<tr><td>{Html.Time(time)}</td><td>{Html.E(what)}</td><td>{Html.E(weight)}</td></tr>");
        }

        table.Append("</tbody></table></details>");
        return svg + table.ToString();
    }

    /// <summary>The last analysis run: one bar per metric, its threshold as a dashed line, coloured by its verdict.</summary>
    public static string Metrics(AnalysisRun? run)
    {
        if (run?.Metrics is not { Count: > 0 } metrics)
        {
            return "<p>No analysis run recorded yet (<code>status.lastAnalysis</code> is empty).</p>";
        }

        const int rowHeight = 34, labelWidth = 230, barWidth = 460;
        var height = (metrics.Count * rowHeight) + 16;
        var summary = string.Join("; ", metrics.Select(m => $"{m.Name} = {m.Value ?? "no data"} against {m.Threshold ?? "no threshold"}: {m.Verdict}"));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" id=\"analysis-chart\" role=\"img\" aria-labelledby=\"analysis-chart-title analysis-chart-desc\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"analysis-chart-title\">Analysis of revision {Html.E(run.Revision)} at {Html.Time(run.Time)}: each metric against its threshold</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<desc id=\"analysis-chart-desc\">{Html.E(summary)}.</desc>");
        for (var i = 0; i < metrics.Count; i++)
        {
            var metric = metrics[i];
            var y = 8 + (i * rowHeight);
            var value = FirstNumber(metric.Value);
            var threshold = FirstNumber(metric.Threshold);
            var scale = Math.Max(Math.Abs(value ?? 0), Math.Abs(threshold ?? 0)) * 1.25;
            scale = scale > 0 ? scale : 1;
            var color = Color(metric.Verdict);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"metric\"><title>{Html.E($"{metric.Name} = {metric.Value ?? "no data"}, threshold {metric.Threshold ?? "none"}: {metric.Verdict}" + (metric.Message is { Length: > 0 } m ? $" ({m})" : ""))}</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 17}\" font-size=\"12\" fill=\"#1b1f24\">{Html.E(metric.Name)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{barWidth}\" height=\"18\" fill=\"#f6f8fa\" stroke=\"#d0d7de\"/>");
            if (value is { } v)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{N(Math.Abs(v) / scale * barWidth)}\" height=\"18\" fill=\"{color}\"/>");
            }

            if (threshold is { } t)
            {
                var x = N(labelWidth + (Math.Abs(t) / scale * barWidth));
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" x2=\"{x}\" y1=\"{y}\" y2=\"{y + 26}\" stroke=\"#1b1f24\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + barWidth + 8}\" y=\"{y + 17}\" font-size=\"12\" fill=\"{color}\">{Html.E($"{metric.Value ?? "no data"} ({metric.Threshold ?? "-"}) {metric.Verdict}")}</text></g>");
        }

        svg.Append("</svg>");
        var table = new StringBuilder("<table><caption>Last analysis run: metrics against thresholds</caption><thead><tr><th scope=\"col\">Metric</th><th scope=\"col\">Value</th><th scope=\"col\">Threshold</th><th scope=\"col\">Verdict</th><th scope=\"col\">Message</th></tr></thead><tbody>");
        foreach (var metric in metrics)
        {
            table.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{Html.E(metric.Name)}</td><td>{Html.E(metric.Value ?? "no data")}</td><td>{Html.E(metric.Threshold ?? "-")}</td><td>{Html.E(metric.Verdict.ToString())}</td><td>{Html.E(metric.Message ?? "")}</td></tr>");
        }

        table.Append("</tbody></table>");
        return svg + table.ToString();
    }

    private static string Label(TimelineMarkerKind kind) => kind switch
    {
        TimelineMarkerKind.Promoted => "promoted",
        TimelineMarkerKind.RolledBack => "rolled back",
        _ => "analysis failed",
    };

    private static string Color(TimelineMarkerKind kind) => kind switch
    {
        TimelineMarkerKind.Promoted => "#1a7f37",
        TimelineMarkerKind.RolledBack => "#cf222e",
        _ => "#bc4c00",
    };

    /// <summary>A verdict's colour: green for successful, red for failed, amber for inconclusive or none.</summary>
    internal static string Color(Verdict? verdict) => verdict switch { Verdict.Successful => "#1a7f37", Verdict.Failed => "#cf222e", _ => "#9a6700" };

    /// <summary>The first number in a metric's value or threshold text (e.g. 0.1 in "&lt;= 0.1"), or null.</summary>
    internal static double? FirstNumber(string? text) =>
        text is not null && NumberPattern().Match(text) is { Success: true } match && double.TryParse(match.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    internal static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex NumberPattern();
}
