using System.CommandLine;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Output;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>status [WORKFLOW]</c>: autonomy, phase, stable and canary revisions, weight, step n/m, kill switch and the reason
/// of every workflow in the namespace (<c>-A</c>: all), or of one with its condition message underneath.
/// </summary>
public static class StatusCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var workflow = new Argument<string?>("WORKFLOW") { Description = "One workflow (default: every workflow of the namespace)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Show where each workflow's rollout is and why") { workflow };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var name = parse.GetValue(workflow);
            var workflows = name is null
                ? await context.Resources.ListWorkflowsAsync(ct)
                : [await context.Resources.GetWorkflowAsync(name, ct)];
            switch (context.Format)
            {
                case OutputFormat.Json:
                    ObjectOutput.WriteJson(context.Output, name is null ? ObjectOutput.List(workflows) : workflows[0]);
                    return 0;
                case OutputFormat.Yaml:
                    ObjectOutput.WriteYaml(context.Output, name is null ? ObjectOutput.List(workflows) : workflows[0]);
                    return 0;
            }

            if (workflows.Count == 0)
            {
                await context.Error.WriteLineAsync(context.Session.AllNamespaces ? "No workflows found." : $"No workflows found in {context.Session.Namespace} namespace.");
                return 0;
            }

            var wide = context.Format == OutputFormat.Wide;
            var now = context.Time.GetUtcNow();
            var summaries = workflows.Select(WorkflowSummary.Of).ToList();
            string[] headers = ["NAME", "AUTONOMY", "PHASE", "STABLE", "CANARY", "WEIGHT", "STEP", "KILL SWITCH", "REASON", "AGE"];
            if (wide)
            {
                headers = [.. headers, "LAST ANALYSIS", "CREDENTIALS EXPIRE"];
            }

            var table = new Table(context.Session.AllNamespaces ? ["NAMESPACE", .. headers] : headers);
            foreach (var s in summaries)
            {
                string[] cells = [s.Name, s.Autonomy, s.Phase, s.Stable, s.Canary, s.Weight, s.Step, s.KillSwitch, s.Reason, Ages.Since(s.Created, now)];
                if (wide)
                {
                    cells = [.. cells, s.LastAnalysis, s.CredentialsExpire];
                }

                table.Add(context.Session.AllNamespaces ? [s.Namespace, .. cells] : cells);
            }

            table.WriteTo(context.Output);
            if (name is not null && summaries[0].Message.Length > 0)
            {
                await context.Output.WriteLineAsync();
                await context.Output.WriteLineAsync($"Message: {summaries[0].Message}");
            }

            return 0;
        });
        return command;
    }
}
