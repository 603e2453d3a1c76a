using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Tests.Fixtures;

namespace AgentOperator.Policy.Tests.Compilation;

public class PolicyBundleCompilerTests
{
    [Fact]
    public void Valid_workflow_compiles_to_a_bundle()
    {
        var result = PolicyBundleCompiler.Compile(SupportWorkflow.Workflow(), SupportWorkflow.Registry());

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var bundle = result.Bundle;
        Assert.Equal(("support", "support-refund"), (bundle.Workflow.Namespace, bundle.Workflow.Name));
        Assert.Equal(RevisionHash.Compute(SupportWorkflow.Spec(), SupportWorkflow.Registry().Select(t => t.Spec)), bundle.Revision);
        Assert.Equal(5, bundle.Tools.Count);
        var refund = bundle.Tools.Single(t => t.Name == "payments.issue_refund");
        Assert.Equal(3, refund.RiskTier);
        Assert.Equal([ToolAction.Create], refund.Actions);
        Assert.NotNull(refund.InputSchema!["allOf"]);
        // registry 60/min burst 5, binding 6/min burst 2: the tighter of each wins
        Assert.Equal((6, 2), (refund.RateLimit!.RequestsPerMinute, refund.RateLimit.Burst));
        Assert.Equal("tool-creds", refund.Auth!.SecretRef!.Name);
        Assert.Equal(4, bundle.Rules.Count);
        Assert.Equal("gpt-4o-2024-08-06", bundle.Models["planner"].Model);
        Assert.Equal([RedactionKind.Email, RedactionKind.CardNumber], bundle.Redact);
    }

    [Fact]
    public void Every_error_is_reported_with_its_spec_path()
    {
        var registry = SupportWorkflow.Registry();
        registry.Add(SupportWorkflow.Tool("orders.lookup", 0, [ToolAction.Read], metadataName: "orders-lookup-v2"));
        registry.Add(SupportWorkflow.Tool("crm.search", 0, [ToolAction.Read], schema: """{"type": 12}"""));
        var spec = SupportWorkflow.Spec() with
        {
            Tools =
            [
                new ToolBinding { Name = "orders.lookup", Actions = [ToolAction.Create] },
                new ToolBinding { Name = "tickets.comment", Actions = [ToolAction.Create], Constraints = JsonNode.Parse("""{"minLength": "long"}""")!.AsObject() },
                new ToolBinding { Name = "mail.send", Actions = [ToolAction.Create] },
                new ToolBinding { Name = "crm.search", Actions = [ToolAction.Read] },
            ],
            Policy = new PolicySpec
            {
                Rules =
                [
                    new PolicyRule { Id = "broken", Condition = "input.amount_usd <= " },
                    new PolicyRule { Id = "writer-only", Condition = "models.writer.maxTokensPerCall < 100" },
                    new PolicyRule { Id = "elsewhere", Tool = "payments.issue_refund", Condition = "true" },
                    new PolicyRule { Id = "unknown-function", Condition = "no_such_function(input)" },
                ],
            },
        };

        var result = PolicyBundleCompiler.Compile(SupportWorkflow.Workflow(spec), registry);

        Assert.False(result.Succeeded);
        Assert.Null(result.Bundle);
        var paths = result.Errors.Select(e => e.Path).ToList();
        Assert.Contains("agenttools[orders-lookup-v2].spec.name", paths);
        Assert.Contains("spec.tools[0].actions[0]", paths);
        Assert.Contains("spec.tools[1].constraints", paths);
        Assert.Contains("spec.tools[2].name", paths);
        Assert.Contains("agenttools[crm-search].spec.inputSchema", paths);
        Assert.Contains("spec.policy.rules[0].condition", paths);
        Assert.Contains("spec.policy.rules[1].condition", paths);
        Assert.Contains("spec.policy.rules[2].tool", paths);
        Assert.Contains("spec.policy.rules[3].condition", paths);
        Assert.Contains(result.Errors, e => e.Path == "spec.policy.rules[0].condition" && e.Message.Contains("mismatched input", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path == "spec.policy.rules[1].condition" && e.Message.Contains("'writer'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path == "spec.tools[2].name" && e.Message.Contains("mail.send", StringComparison.Ordinal));
    }

    [Fact]
    public void Declared_model_roles_may_be_referenced_dotted_or_indexed()
    {
        Assert.Equal(["planner", "x-y"], PolicyBundleCompiler.ReferencedModelRoles("models.planner.maxTokensPerCall > 1 && models['x-y'].model != ''"));
        var spec = SupportWorkflow.Spec() with
        {
            Policy = new PolicySpec { Rules = [new PolicyRule { Id = "ok", Condition = "models['executor'].provider == 'anthropic'" }] },
        };

        var result = PolicyBundleCompiler.Compile(SupportWorkflow.Workflow(spec), SupportWorkflow.Registry());

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Duplicate_rule_ids_and_duplicate_bindings_are_errors()
    {
        var spec = SupportWorkflow.Spec() with
        {
            Tools = [new ToolBinding { Name = "orders.lookup", Actions = [ToolAction.Read] }, new ToolBinding { Name = "orders.lookup", Actions = [ToolAction.Read] }],
            Policy = new PolicySpec { Rules = [new PolicyRule { Id = "a", Condition = "true" }, new PolicyRule { Id = "a", Condition = "true" }] },
        };

        var result = PolicyBundleCompiler.Compile(SupportWorkflow.Workflow(spec), SupportWorkflow.Registry());

        Assert.Contains(result.Errors, e => e.Path == "spec.tools[1].name");
        Assert.Contains(result.Errors, e => e.Path == "spec.policy.rules[1].id");
    }

    [Fact]
    public void Compiled_policy_reports_bundle_paths()
    {
        var bundle = PolicyFixture.CompileBundle() with
        {
            Rules = [new() { Id = "bad", Condition = "((" }, new() { Id = "stray", Tool = "nope", Condition = "true" }],
        };

        var error = Assert.Throws<PolicyCompilationException>(() => CompiledPolicy.Compile(bundle));

        Assert.Equal(["rules[0].condition", "rules[1].tool"], error.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Tighter_rate_limit_takes_the_lower_rate_and_burst()
    {
        var tool = new RateLimit { RequestsPerMinute = 100 };          // burst defaults to 10
        var binding = new RateLimit { RequestsPerMinute = 300, Burst = 50 };

        var tighter = PolicyBundleCompiler.Tighter(tool, binding)!;

        Assert.Equal((100, 10), (tighter.RequestsPerMinute, tighter.Burst));
        Assert.Same(binding, PolicyBundleCompiler.Tighter(null, binding));
        Assert.Null(PolicyBundleCompiler.Tighter(null, null));
    }
}
