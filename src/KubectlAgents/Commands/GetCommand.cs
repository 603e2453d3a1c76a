using System.CommandLine;
using AgentOperator.KubectlAgents.Cli;
using AgentOperator.KubectlAgents.Kube;
using AgentOperator.KubectlAgents.Output;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>get WORKFLOW [-w]</c>: the rollout as a tree (<see cref="WorkflowTree"/>). With <c>-w</c> it prints again
/// whenever what it shows changes, until interrupted, as <c>kubectl argo rollouts get rollout -w</c> does.
/// </summary>
public static class GetCommand
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var workflow = new Argument<string>("WORKFLOW") { Description = "The AgentWorkflow" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Print again whenever the rollout changes, until interrupted" };
        var command = new Command("get", "Show a workflow's rollout as a tree: revisions, steps, analysis, evaluation Job, pods") { workflow, watch };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var objects = new WorkflowObjects(context.Session);
            string? shown = null;
            while (true)
            {
                var current = await context.Resources.GetWorkflowAsync(parse.GetValue(workflow)!, ct);
                var tree = new WorkflowTree(current, await objects.WorkloadsAsync(current, ct), await objects.EvaluationJobAsync(current, ct), context.Time.GetUtcNow());
                var text = new StringWriter();
                switch (context.Format)
                {
                    case OutputFormat.Json:
                        ObjectOutput.WriteJson(text, tree.ToJson());
                        break;
                    case OutputFormat.Yaml:
                        ObjectOutput.WriteYaml(text, tree.ToJson());
                        break;
                    default:
                        tree.WriteText(text);
                        break;
                }

                // Ages move every second: -w prints again only when something else did (the JSON form holds no ages).
                var rendered = text.ToString();
                var comparable = tree.ToJson().ToJsonString();
                if (comparable != shown)
                {
                    if (shown is not null && context.Format is not (OutputFormat.Json or OutputFormat.Yaml))
                    {
                        await context.Output.WriteLineAsync(new string('-', 80));
                    }

                    await context.Output.WriteAsync(rendered);
                    await context.Output.FlushAsync(ct);
                    shown = comparable;
                }

                if (!parse.GetValue(watch))
                {
                    return 0;
                }

                try
                {
                    await Task.Delay(WatchInterval, context.Time, ct);
                }
                catch (OperationCanceledException)
                {
                    return 0;
                }
            }
        });
        return command;
    }
}
