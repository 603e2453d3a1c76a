using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Inputs;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Fuzz;

/// <summary>
/// The fuzz entry point: bytes as an agent sends them go through the one request parser (<see cref="StrictJson"/>)
/// and, when accepted, through the decision pipeline for every tool of a bundle whose schemas and rules use the
/// keywords and CEL constructs the gateway supports. Any exception is a finding; so is a parser that accepts what
/// its own offence check refuses. AFL (Program.cs) and the bounded test in Gateway.Tests call the same method.
/// </summary>
public static class PolicyFuzzTarget
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Compile(Bundle());
    private static readonly RunSnapshot Snapshot = new() { RunId = "run-fuzz", Task = "fuzz" };

    /// <summary>Parses and decides one input; throws on any finding.</summary>
    public static void Run(ReadOnlyMemory<byte> input)
    {
        var accepted = StrictJson.TryParse(input, out var value, out var error);
        var offence = StrictJson.FindOffence(input.Span);
        if (accepted && offence is not null)
        {
            throw new InvalidOperationException($"the parser accepted an input its offence check refuses: {offence.Pointer}: {offence.Message}");
        }

        if (!accepted)
        {
            ArgumentException.ThrowIfNullOrEmpty(error!.Message);
            return;
        }

        foreach (var tool in Policy.Tools)
        {
            foreach (var action in tool.Definition.Actions)
            {
                var decision = DecisionPipeline.Decide(Policy, new ToolCallRequest(tool.Definition.Name, action, value), Snapshot);
                if (string.IsNullOrEmpty(decision.Reason) || (decision.Kind != DecisionKind.Allow && decision.RuleId is null))
                {
                    throw new InvalidOperationException($"{tool.Definition.Name}: a {decision.Kind} decision without a rule or reason");
                }
            }
        }
    }

    private static PolicyBundle Bundle() => new()
    {
        Workflow = new BundleWorkflow("fuzz", "fuzz"),
        Revision = "fuzz",
        Autonomy = Autonomy.Auto,
        Budgets = new Budgets { MaxToolCalls = 100 },
        Tools =
        [
            Tool("probe", """
                {"type":"object","additionalProperties":false,"required":["id","count"],
                 "properties":{"id":{"type":"string","pattern":"^ORD-[0-9]{6,12}$"},"count":{"type":"integer","minimum":0,"maximum":100},
                   "currency":{"type":"string","enum":["USD","EUR"]},"kind":{"oneOf":[{"const":"a"},{"const":"b"}]},"note":{"type":"string","maxLength":64},
                   "amount":{"type":"number","multipleOf":0.01},"due":{"type":"string","format":"date"},
                   "address":{"type":"object","properties":{"city":{"type":"string"}}},"items":{"type":"array","maxItems":5,"items":{"type":"object"}}},
                 "allOf":[{"properties":{"count":{"maximum":50}}}]}
                """),
            Tool("open", null),
        ],
        Rules =
        [
            new BundleRule { Id = "small", Tool = "probe", Condition = "!has(input.amount) || input.amount <= 50.0", OnFail = RuleAction.Escalate, Message = "large" },
            new BundleRule { Id = "tags", Tool = "open", Condition = "!has(input.tags) || input.tags.all(t, t.startsWith('x'))", OnFail = RuleAction.Deny, Message = "tags" },
            new BundleRule { Id = "text", Tool = "open", Condition = "!has(input.text) || size(input.text) < 100 && !input.text.matches('^admin')", OnFail = RuleAction.Deny, Message = "text" },
            new BundleRule { Id = "nums", Tool = "open", Condition = "!has(input.n) || input.n * 2 + 1 > 0 || input.n in [1, 2.5, 'x']", OnFail = RuleAction.Deny, Message = "nums" },
        ],
    };

    private static BundleTool Tool(string name, string? schema) => new()
    {
        Name = name,
        RiskTier = 1,
        Actions = [ToolAction.Read, ToolAction.Create],
        InputSchema = schema is null ? null : JsonNode.Parse(schema)!.AsObject(),
        Upstream = new ToolUpstream { Url = "http://127.0.0.1:1/" + name },
    };

    /// <summary>For AFL's input files: the whole stream as bytes.</summary>
    public static void Run(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        Run(buffer.ToArray());
    }

}
