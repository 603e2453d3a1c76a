using System.CommandLine;
using System.Globalization;
using AgentOperator.Contracts;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Console;
using AgentOperator.KubectlAgents.Output;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>trace RUN [--workflow WF] --collector URL</c>: one run on one screen, from the audit collector's runs API with the
/// kubeconfig's bearer token: every tool and model call in order with its decision, rule, reason, latency, tokens and
/// cost, the approvals it asked for or relied on, and the run's totals. Without <c>--workflow</c> the run is looked up
/// in each workflow of the namespace the user may list.
/// </summary>
public static class TraceCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var runId = new Argument<string>("RUN") { Description = "The run's id, as kubectl agents runs lists it" };
        var workflow = new Option<string?>("--workflow") { Description = "The AgentWorkflow the run belongs to (default: look in every workflow of the namespace)" };
        var collector = RunsCommand.CollectorOption();
        var command = new Command("trace", "Show one run call by call from the audit collector: decision, rule, reason, latency, tokens, cost, approvals") { runId, workflow, collector };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var id = parse.GetValue(runId)!;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var client = new CollectorClient(http, RunsCommand.Collector(parse.GetValue(collector)!), context.Session.BearerToken);
            var run = await FindAsync(context, client, id, parse.GetValue(workflow), ct);
            switch (context.Format)
            {
                case OutputFormat.Json:
                    ObjectOutput.WriteJson(context.Output, run);
                    return 0;
                case OutputFormat.Yaml:
                    ObjectOutput.WriteYaml(context.Output, run);
                    return 0;
            }

            Write(context.Output, run);
            return 0;
        });
        return command;
    }

    private static async Task<RunRecord> FindAsync(CommandContext context, CollectorClient client, string id, string? workflow, CancellationToken ct)
    {
        var ns = context.Session.Namespace;
        if (workflow is not null)
        {
            return await client.GetRunAsync(ns, workflow, id, ct)
                ?? throw new CommandFailureException($"Error from server (NotFound): workflow {ns}/{workflow} has no stored run '{id}' (kubectl agents runs {workflow} -n {ns} lists its runs)");
        }

        var workflows = await context.Resources.ListWorkflowsAsync(ct);
        foreach (var candidate in workflows)
        {
            if (await client.GetRunAsync(ns, candidate.Metadata.Name, id, ct) is { } run)
            {
                return run;
            }
        }

        throw new CommandFailureException($"Error from server (NotFound): no workflow in namespace {ns} has a stored run '{id}' (looked in {workflows.Count}); "
            + "name its workflow with --workflow, or list runs with kubectl agents runs WORKFLOW");
    }

    private static void Write(TextWriter output, RunRecord run)
    {
        output.WriteLine($"Run:        {run.RunId}");
        output.WriteLine($"Workflow:   {run.Namespace}/{run.Workflow} (revision {run.Revision}, pod {run.Pod})");
        output.WriteLine($"Started:    {Time(run.StartedAt)}");
        output.WriteLine($"Completed:  {(run.CompletedAt is { } done ? $"{Time(done)}, outcome {run.Outcome}" + (run.DurationMs is { } ms ? $" after {Ages.Format(TimeSpan.FromMilliseconds(ms))}" : "") : "open")}"
            + (run.TerminatedBy is { } budget ? $", ended by the {budget} budget" : ""));
        output.WriteLine();
        if (run.Decisions.Count == 0)
        {
            output.WriteLine("No tool or model call.");
        }
        else
        {
            var table = new Table(["SEQ", "TIME", "CALL", "DECISION", "RULE", "STATUS", "LATENCY", "TOKENS", "COST USD", "AGENT INTENT", "REASON"]);
            foreach (var d in run.Decisions)
            {
                table.Add(
                [
                    Number(d.Sequence), d.Time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), RunsPage.Call(d), d.Decision ?? "-", d.Rule ?? "-",
                    d.Status is { } status ? Number(status) : "-",
                    d.DurationMs is { } latency ? latency.ToString("0.#", CultureInfo.InvariantCulture) + "ms" : "-",
                    d.InputTokens is null && d.OutputTokens is null ? "-" : Number((d.InputTokens ?? 0) + (d.OutputTokens ?? 0)),
                    d.CostUsd is { } cost ? Usd(cost) : "-",
                    RunsPage.AgentPacket(d) ?? "-",
                    d.Reason ?? "-",
                ]);
            }

            table.WriteTo(output);
        }

        output.WriteLine();
        // The first escalation of an approval asked for it; later ones are the agent asking whether it was decided.
        var requested = run.Decisions.Where(d => d.ApprovalId is not null && d.Decision == ToolDecisions.Escalate).DistinctBy(d => d.ApprovalId).Select(d => $"{d.ApprovalId} requested for {d.Tool} at {Time(d.Time)}");
        var relied = run.Approvals.Select(a => $"{a.ApprovalId} for {a.Tool} approved by {string.Join(", ", a.Approvers)} at {Time(a.Time)}");
        var approvals = requested.Concat(relied).Distinct(StringComparer.Ordinal).ToList();
        output.WriteLine($"Approvals:  {(approvals.Count == 0 ? "none" : string.Join("\n            ", approvals))}");
        var tokens = run.Tokens.Sum(t => t.InputTokens + t.OutputTokens);
        output.WriteLine($"Total:      {run.Decisions.Count(d => d.Kind is "tool.call" or "model.call")} call(s) decided, {run.Steps} executed ({run.ToolCalls} tool call(s)), {Number(tokens)} token(s)"
            + (run.Tokens.Count == 0 ? "" : $" ({string.Join("; ", run.Tokens.Select(t => $"{t.Role} on {t.Model}: {t.InputTokens} in, {t.OutputTokens} out"))})")
            + $", cost {Usd(run.CostUsd)} USD");
    }

    private static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ?? "<unknown>";

    private static string Usd(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
