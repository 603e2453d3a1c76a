using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Rules;
using AgentOperator.Policy.Schemas;

namespace AgentOperator.Policy.Compilation;

/// <summary>One allowed tool with its schema built and the rules that apply to it selected, in order.</summary>
public sealed class CompiledTool
{
    private readonly Dictionary<ToolAction, Dictionary<string, object?>> _toolVariables;

    internal CompiledTool(BundleTool definition, ToolInputSchema? schema, IReadOnlyList<CelRuleProgram> rules)
    {
        Definition = definition;
        Schema = schema;
        Rules = rules;
        _toolVariables = Enum.GetValues<ToolAction>().ToDictionary(action => action, action => new Dictionary<string, object?>
        {
            ["name"] = definition.Name,
            ["action"] = ActionName(action),
            ["riskTier"] = (long)definition.RiskTier,
        });
    }

    /// <summary>The tool as the bundle describes it.</summary>
    public BundleTool Definition { get; }

    /// <summary>The merged input schema; null accepts any input.</summary>
    public ToolInputSchema? Schema { get; }

    /// <summary>Rules for this tool and rules for every tool, in bundle order.</summary>
    public IReadOnlyList<CelRuleProgram> Rules { get; }

    /// <summary>True when the workflow may use <paramref name="action"/> on this tool.</summary>
    public bool Allows(ToolAction action)
    {
        foreach (var allowed in Definition.Actions)
        {
            if (allowed == action)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The CEL <c>tool</c> variable for a call with this action (shared, never mutated).</summary>
    internal Dictionary<string, object?> ToolVariable(ToolAction action) => _toolVariables[action];

    /// <summary>The action's spelling in the CRD and in CEL (read, create, update, delete).</summary>
    public static string ActionName(ToolAction action) => action switch
    {
        ToolAction.Read => "read",
        ToolAction.Create => "create",
        ToolAction.Update => "update",
        ToolAction.Delete => "delete",
        _ => action.ToString().ToLowerInvariant(),
    };
}
