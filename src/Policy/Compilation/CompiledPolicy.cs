using System.Diagnostics.CodeAnalysis;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Rules;
using AgentOperator.Policy.Schemas;

namespace AgentOperator.Policy.Compilation;

/// <summary>
/// A bundle compiled once for enforcement: tools indexed by name, schemas built, CEL rules compiled and
/// grouped per tool so a call evaluates only the rules that apply to it. Immutable and thread-safe.
/// </summary>
public sealed class CompiledPolicy
{
    private readonly Dictionary<string, CompiledTool> _tools;

    private CompiledPolicy(PolicyBundle bundle, Dictionary<string, CompiledTool> tools, Dictionary<string, object?> modelsVariable)
    {
        Bundle = bundle;
        _tools = tools;
        ModelsVariable = modelsVariable;
    }

    /// <summary>The bundle this was compiled from.</summary>
    public PolicyBundle Bundle { get; }

    /// <summary>The allowed tools.</summary>
    public IEnumerable<CompiledTool> Tools => _tools.Values;

    /// <summary>The CEL <c>models</c> variable: role → {provider, model, maxTokensPerCall}.</summary>
    internal Dictionary<string, object?> ModelsVariable { get; }

    /// <summary>Compiles a bundle; throws <see cref="PolicyCompilationException"/> with every error (bundle paths).</summary>
    public static CompiledPolicy Compile(PolicyBundle bundle) =>
        TryCompile(bundle, out var compiled, out var errors) ? compiled : throw new PolicyCompilationException(errors);

    /// <summary>Compiles a bundle, collecting every error with its path in the bundle document.</summary>
    public static bool TryCompile(PolicyBundle bundle, [NotNullWhen(true)] out CompiledPolicy? compiled, out IReadOnlyList<SpecError> errors)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var found = new List<SpecError>();

        var programs = new List<CelRuleProgram>();
        for (var i = 0; i < bundle.Rules.Count; i++)
        {
            var rule = bundle.Rules[i];
            if (CelRuleProgram.TryCompile(rule, out var program, out var error))
            {
                programs.Add(program);
            }
            else
            {
                found.Add(new SpecError($"rules[{i}].condition", error));
            }

            if (rule.Tool is { } tool && !bundle.Tools.Any(t => t.Name == tool))
            {
                found.Add(new SpecError($"rules[{i}].tool", $"rule '{rule.Id}' applies to tool '{tool}', which is not in the allowlist"));
            }
        }

        var tools = new Dictionary<string, CompiledTool>(StringComparer.Ordinal);
        for (var i = 0; i < bundle.Tools.Count; i++)
        {
            var tool = bundle.Tools[i];
            ToolInputSchema? schema = null;
            if (tool.InputSchema is { } json && !ToolInputSchema.TryBuild(json, out schema, out var error))
            {
                found.Add(new SpecError($"tools[{i}].inputSchema", $"not a valid JSON Schema: {error}"));
            }

            if (!tools.TryAdd(tool.Name, new CompiledTool(tool, schema, [.. programs.Where(p => p.Rule.Tool is null || p.Rule.Tool == tool.Name)])))
            {
                found.Add(new SpecError($"tools[{i}].name", $"tool '{tool.Name}' is listed twice"));
            }
        }

        errors = found;
        if (found.Count > 0)
        {
            compiled = null;
            return false;
        }

        var models = bundle.Models.ToDictionary(
            model => model.Key,
            model => (object?)new Dictionary<string, object?>
            {
                ["provider"] = model.Value.Provider,
                ["model"] = model.Value.Model,
                ["maxTokensPerCall"] = (long)model.Value.MaxTokensPerCall,
            },
            StringComparer.Ordinal);
        compiled = new CompiledPolicy(bundle, tools, models);
        return true;
    }

    /// <summary>Finds an allowed tool by the name the agent called.</summary>
    public bool TryGetTool(string name, [NotNullWhen(true)] out CompiledTool? tool) => _tools.TryGetValue(name, out tool);
}
