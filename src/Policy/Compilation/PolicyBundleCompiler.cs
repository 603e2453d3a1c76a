using System.Text.RegularExpressions;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.RateLimits;
using AgentOperator.Policy.Rules;
using AgentOperator.Policy.Rules.Checking;
using AgentOperator.Policy.Schemas;

namespace AgentOperator.Policy.Compilation;

/// <summary>
/// Compiles an AgentWorkflow and the namespace's AgentTools into the policy bundle its gateway enforces,
/// reporting every error (not just the first) with its spec path.
/// </summary>
public static partial class PolicyBundleCompiler
{
    /// <summary>Compiles; the result carries the bundle or every error.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="tools">The AgentTools of the workflow's namespace (the registry).</param>
    public static BundleCompilationResult Compile(AgentWorkflow workflow, IEnumerable<AgentTool> tools)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(tools);
        var spec = workflow.Spec;
        var errors = new List<SpecError>();

        var registry = new Dictionary<string, AgentTool>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (!registry.TryAdd(tool.Spec.Name, tool))
            {
                errors.Add(new SpecError($"agenttools[{tool.Metadata.Name}].spec.name",
                    $"AgentTool '{tool.Metadata.Name}' has the same spec.name '{tool.Spec.Name}' as AgentTool '{registry[tool.Spec.Name].Metadata.Name}'"));
            }
        }

        var bundleTools = CompileTools(spec, registry, errors);
        var rules = CompileRules(spec, bundleTools, errors);

        if (errors.Count > 0)
        {
            return new BundleCompilationResult(null, errors);
        }

        var bundle = new PolicyBundle
        {
            Workflow = new BundleWorkflow(workflow.Metadata.NamespaceProperty ?? "default", workflow.Metadata.Name ?? ""),
            Revision = RevisionHash.Compute(spec, registry.Values.Select(t => t.Spec)),
            Autonomy = spec.Autonomy,
            KillSwitch = spec.KillSwitch,
            Models = (spec.Models ?? new Dictionary<string, ModelSpec>()).ToDictionary(m => m.Key, m => new BundleModel
            {
                Provider = m.Value.Provider,
                Model = m.Value.Model,
                MaxTokensPerCall = m.Value.MaxTokensPerCall,
                Endpoint = m.Value.Endpoint,
                InputCostPer1kTokensUsd = m.Value.InputCostPer1kTokensUsd,
                OutputCostPer1kTokensUsd = m.Value.OutputCostPer1kTokensUsd,
                CredentialsSecretRef = m.Value.CredentialsSecretRef,
            }, StringComparer.Ordinal),
            Tools = bundleTools,
            Budgets = spec.Budgets,
            Rules = rules,
            Redact = spec.Policy?.Redact ?? [],
        };

        // The same compilation the gateway will do; with the checks above it should never fail, but a
        // bundle that the engine refuses must never be published.
        if (!CompiledPolicy.TryCompile(bundle, out _, out var bundleErrors))
        {
            return new BundleCompilationResult(null, [.. bundleErrors.Select(e => e with { Path = "bundle." + e.Path })]);
        }

        return new BundleCompilationResult(bundle, []);
    }

    private static List<BundleTool> CompileTools(AgentWorkflowSpec spec, Dictionary<string, AgentTool> registry, List<SpecError> errors)
    {
        var result = new List<BundleTool>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var checkedSchemas = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Tools.Count; i++)
        {
            var binding = spec.Tools[i];
            var path = $"spec.tools[{i}]";
            if (!seen.Add(binding.Name))
            {
                errors.Add(new SpecError($"{path}.name", $"tool '{binding.Name}' is listed more than once"));
                continue;
            }

            if (!registry.TryGetValue(binding.Name, out var agentTool))
            {
                errors.Add(new SpecError($"{path}.name", $"no AgentTool with spec.name '{binding.Name}' exists in the namespace"));
                continue;
            }

            var tool = agentTool.Spec;
            var valid = true;
            for (var j = 0; j < binding.Actions.Count; j++)
            {
                if (!tool.Actions.Contains(binding.Actions[j]))
                {
                    valid = false;
                    errors.Add(new SpecError($"{path}.actions[{j}]",
                        $"AgentTool '{tool.Name}' does not allow the action '{CompiledTool.ActionName(binding.Actions[j])}' (it allows: {string.Join(", ", tool.Actions.Select(CompiledTool.ActionName))})"));
                }
            }

            if (tool.InputSchema is { } toolSchema && checkedSchemas.Add(tool.Name) && !ToolInputSchema.TryBuild(toolSchema, out _, out var toolSchemaError))
            {
                valid = false;
                errors.Add(new SpecError($"agenttools[{agentTool.Metadata.Name}].spec.inputSchema", $"not a valid JSON Schema: {toolSchemaError}"));
            }

            if (binding.Constraints is { } constraints && !ToolInputSchema.TryBuild(constraints, out _, out var constraintsError))
            {
                valid = false;
                errors.Add(new SpecError($"{path}.constraints", $"not a valid JSON Schema: {constraintsError}"));
            }

            if (!valid)
            {
                continue;
            }

            result.Add(new BundleTool
            {
                Name = tool.Name,
                Description = tool.Description,
                Owner = tool.Owner,
                RiskTier = tool.RiskTier,
                Actions = [.. binding.Actions],
                InputSchema = ToolInputSchema.Merge(tool.InputSchema, binding.Constraints),
                RateLimit = Tighter(tool.RateLimit, binding.RateLimit),
                Upstream = tool.Upstream,
                Auth = tool.Auth,
            });
        }

        return result;
    }

    private static List<BundleRule> CompileRules(AgentWorkflowSpec spec, List<BundleTool> tools, List<SpecError> errors)
    {
        var rules = new List<BundleRule>();
        var specRules = spec.Policy?.Rules ?? [];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var allowed = spec.Tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var roles = spec.Models?.Keys.ToHashSet(StringComparer.Ordinal) ?? [];
        for (var i = 0; i < specRules.Count; i++)
        {
            var rule = specRules[i];
            var path = $"spec.policy.rules[{i}]";
            if (!ids.Add(rule.Id))
            {
                errors.Add(new SpecError($"{path}.id", $"rule id '{rule.Id}' is used more than once"));
            }

            if (rule.Tool is { } tool && !allowed.Contains(tool))
            {
                errors.Add(new SpecError($"{path}.tool", $"rule '{rule.Id}' applies to tool '{tool}', which is not in spec.tools"));
            }

            var bundleRule = new BundleRule { Id = rule.Id, Tool = rule.Tool, Condition = rule.Condition, OnFail = rule.OnFail, Message = rule.Message };
            if (!CelRuleProgram.TryCompile(bundleRule, out _, out var celError))
            {
                errors.Add(new SpecError($"{path}.condition", $"the CEL condition does not compile: {celError}"));
            }
            else
            {
                // Typed against what the gateway will bind: input from the tool's schema, run, tool, models.
                var declarations = CelDeclarations.For(tools.FirstOrDefault(t => t.Name == rule.Tool), roles);
                foreach (var problem in CelTypeChecker.Check(rule.Condition, declarations))
                {
                    errors.Add(new SpecError($"{path}.condition", $"rule '{rule.Id}': {problem}"));
                }
            }

            foreach (var role in ReferencedModelRoles(rule.Condition))
            {
                if (!roles.Contains(role))
                {
                    errors.Add(new SpecError($"{path}.condition", $"rule '{rule.Id}' references model role '{role}', which is not declared in spec.models"));
                }
            }

            rules.Add(bundleRule);
        }

        return rules;
    }

    /// <summary>Model roles a condition names through the <c>models</c> variable (models.planner or models['planner']).</summary>
    public static IReadOnlyList<string> ReferencedModelRoles(string condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return [.. ModelReference().Matches(condition)
            .Select(m => m.Groups["dotted"].Success ? m.Groups["dotted"].Value : m.Groups["indexed"].Value)
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The tighter of two limits: the lower sustained rate and the smaller burst.</summary>
    public static RateLimit? Tighter(RateLimit? a, RateLimit? b)
    {
        if (a is null || b is null)
        {
            return a ?? b;
        }

        return new RateLimit
        {
            RequestsPerMinute = Math.Min(a.RequestsPerMinute, b.RequestsPerMinute),
            Burst = Math.Min(TokenBucket.EffectiveBurst(a), TokenBucket.EffectiveBurst(b)),
        };
    }

    [GeneratedRegex("""\bmodels\s*(?:\.\s*(?<dotted>[A-Za-z_][A-Za-z0-9_]*)|\[\s*['"](?<indexed>[^'"]+)['"]\s*\])""")]
    private static partial Regex ModelReference();
}
