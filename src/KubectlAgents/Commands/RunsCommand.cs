using System.CommandLine;
using System.Globalization;
using AgentOperator.Contracts;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Console;
using AgentOperator.KubectlAgents.Output;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>runs WORKFLOW --collector URL [--since 1h] [--outcome O]</c>: what the workflow's runs did, newest first, from the
/// audit collector's runs API with the kubeconfig's bearer token (the collector lets whoever may <c>get</c> the workflow
/// read its runs): outcome, revision, steps, tool calls, tokens, cost and duration.
/// </summary>
public static class RunsCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var workflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var since = new Option<string>("--since") { Description = "How far back: a duration such as 30m, 1h or 24h", DefaultValueFactory = _ => "1h" };
        var outcome = new Option<string?>("--outcome") { Description = "Only runs with this outcome: success, escalated, failed or budget_exceeded" };
        var collector = CollectorOption();
        var command = new Command("runs", "List a workflow's runs from the audit collector: outcome, calls, tokens, cost") { workflow, since, outcome, collector };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var window = Duration(parse.GetValue(since)!);
            var name = parse.GetValue(workflow)!;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var client = new CollectorClient(http, Collector(parse.GetValue(collector)!), context.Session.BearerToken);
            var runs = (await client.ListRunsAsync(context.Session.Namespace, name, context.Time.GetUtcNow() - window, ct))
                .Where(r => parse.GetValue(outcome) is not { } wanted || string.Equals(r.Outcome, wanted, StringComparison.Ordinal))
                .ToList();
            switch (context.Format)
            {
                case OutputFormat.Json:
                    ObjectOutput.WriteJson(context.Output, new RunList(RunList.Version, runs));
                    return 0;
                case OutputFormat.Yaml:
                    ObjectOutput.WriteYaml(context.Output, new RunList(RunList.Version, runs));
                    return 0;
            }

            if (runs.Count == 0)
            {
                await context.Error.WriteLineAsync($"No runs of {name} in {context.Session.Namespace} namespace in the last {parse.GetValue(since)}.");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table(["RUN", "OUTCOME", "REVISION", "STEPS", "TOOL CALLS", "TOKENS", "COST USD", "DURATION", "AGE"]);
            foreach (var run in runs)
            {
                table.Add(
                [
                    run.RunId, run.Outcome ?? "running", run.Revision, Number(run.Steps), Number(run.ToolCalls),
                    Number(run.Tokens.Sum(t => t.InputTokens + t.OutputTokens)), run.CostUsd.ToString("0.####", CultureInfo.InvariantCulture),
                    run.DurationMs is { } ms ? Ages.Format(TimeSpan.FromMilliseconds(ms)) : "-", Ages.Since(run.StartedAt, now),
                ]);
            }

            table.WriteTo(context.Output);
            return 0;
        });
        return command;
    }

    /// <summary>The audit collector's URL option shared by the commands that read runs.</summary>
    public static Option<string> CollectorOption() => new("--collector")
    {
        Description = "The audit collector's URL, e.g. http://127.0.0.1:18080 after "
            + "kubectl -n agentoperator-system port-forward svc/agentoperator-audit-collector 18080:8080",
        Required = true,
    };

    public static Uri Collector(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new CommandFailureException($"error: --collector {text} is not an http(s) URL such as http://127.0.0.1:18080");

    /// <summary>A --since duration such as 30m, 1h, 24h or 7d.</summary>
    public static TimeSpan Duration(string text)
    {
        var unit = text.Length > 1 ? text[^1] : ' ';
        var ok = double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0;
        return (ok, unit) switch
        {
            (true, 's') => TimeSpan.FromSeconds(amount),
            (true, 'm') => TimeSpan.FromMinutes(amount),
            (true, 'h') => TimeSpan.FromHours(amount),
            (true, 'd') => TimeSpan.FromDays(amount),
            _ => throw new CommandFailureException($"error: --since {text} is not a duration such as 30m, 1h or 24h"),
        };
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
