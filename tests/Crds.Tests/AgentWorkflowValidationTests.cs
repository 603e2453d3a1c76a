using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Tests;

/// <summary>AgentWorkflow manifests against the committed CRD: exact kube-apiserver messages for schema and CEL failures.</summary>
public sealed class AgentWorkflowValidationTests
{
    private const string RulesNotChecked =
        "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

    private static IReadOnlyList<string> Admit(Action<JsonNode> change)
    {
        var workflow = Manifests.Workflow();
        change(workflow["spec"]!);
        return AgentSchemas.Workflow.Admit(workflow);
    }

    [Fact]
    public void A_complete_support_refund_workflow_is_valid() => Assert.Empty(AgentSchemas.Workflow.Admit(Manifests.Workflow()));

    [Fact]
    public void A_minimal_workflow_is_valid_once_defaulted() =>
        Assert.Empty(AgentSchemas.Workflow.Admit(JsonNode.Parse("""{"apiVersion":"agentoperator.io/v1alpha1","kind":"AgentWorkflow","metadata":{"name":"m"},"spec":{"runtime":{"image":"agent:1"},"budgets":{"maxSteps":8}}}""")!));

    [Fact]
    public void Unknown_autonomy_is_rejected_with_the_supported_values() =>
        Assert.Equal(
            ["spec.autonomy: Unsupported value: \"yolo\": supported values: \"observe\", \"draft\", \"approve\", \"auto\"", RulesNotChecked],
            Admit(spec => spec["autonomy"] = "yolo"));

    [Fact]
    public void Max_steps_of_zero_is_rejected_with_the_minimum() =>
        Assert.Equal(
            ["spec.budgets.maxSteps: Invalid value: 0: spec.budgets.maxSteps in body should be greater than or equal to 1"],
            Admit(spec => spec["budgets"]!["maxSteps"] = 0));

    [Fact]
    public void Missing_budgets_is_rejected_as_required() =>
        Assert.Equal(["spec.budgets: Required value", RulesNotChecked], Admit(spec => spec.AsObject().Remove("budgets")));

    [Fact]
    public void A_string_where_an_integer_belongs_is_rejected_with_its_type() =>
        Assert.Equal(
            ["spec.runtime.replicas: Invalid value: \"string\": spec.runtime.replicas in body must be of type integer: \"string\"", RulesNotChecked],
            Admit(spec => spec["runtime"]!["replicas"] = "two"));

    [Fact]
    public void A_floating_model_alias_is_rejected_by_the_dated_model_pattern() =>
        Assert.Equal(
            ["spec.models.router.model: Invalid value: \"gpt-4o\": spec.models.router.model in body should match '^[A-Za-z0-9][A-Za-z0-9._:/@-]*[0-9]{4}-?[0-9]{2}-?[0-9]{2}[A-Za-z0-9._:@-]*$'"],
            Admit(spec => spec["models"]!["router"]!["model"] = "gpt-4o"));

    [Fact]
    public void Maximum_bounds_print_like_go_floats() =>
        Assert.Equal(
            ["spec.models.router.maxTokensPerCall: Invalid value: 3000000: spec.models.router.maxTokensPerCall in body should be less than or equal to 2e+06"],
            Admit(spec => spec["models"]!["router"]!["maxTokensPerCall"] = 3_000_000));

    [Fact]
    public void Eleven_rollout_steps_are_too_many() =>
        Assert.Equal(
            ["spec.rollout.steps: Too many: 11: must have at most 10 items", RulesNotChecked],
            Admit(spec => spec["rollout"]!["steps"] = new JsonArray([.. Enumerable.Range(1, 11).Select(i => (JsonNode)new JsonObject { ["weight"] = i * 9 })])));

    [Fact]
    public void An_image_longer_than_512_characters_is_too_long() =>
        Assert.Equal(
            ["spec.runtime.image: Too long: may not be more than 512 bytes", RulesNotChecked],
            Admit(spec => spec["runtime"]!["image"] = new string('a', 513)));

    [Fact]
    public void Token_ttl_below_600_is_rejected_with_the_credentials_rule_message() =>
        Assert.Equal(
            ["spec.credentials.tokenTtlSeconds: Invalid value: \"object\": credentials.tokenTtlSeconds must be at least 600 seconds (the kubelet refuses shorter projected tokens)"],
            Admit(spec => spec["credentials"]!["tokenTtlSeconds"] = 300));

    [Fact]
    public void Step_weights_50_then_25_are_rejected_as_not_increasing() =>
        Assert.Equal(
            ["spec.rollout.steps: Invalid value: \"array\": rollout.steps weights must be strictly increasing"],
            Admit(spec => spec["rollout"]!["steps"] = new JsonArray(new JsonObject { ["weight"] = 50 }, new JsonObject { ["weight"] = 25 })));

    [Fact]
    public void Equal_step_weights_are_rejected_as_not_increasing() =>
        Assert.Equal(
            ["spec.rollout.steps: Invalid value: \"array\": rollout.steps weights must be strictly increasing"],
            Admit(spec => spec["rollout"]!["steps"]![2]!["weight"] = 25));

    [Fact]
    public void A_step_weight_above_100_is_rejected_by_the_maximum() =>
        Assert.Equal(
            ["spec.rollout.steps[2].weight: Invalid value: 101: spec.rollout.steps[2].weight in body should be less than or equal to 100"],
            Admit(spec => spec["rollout"]!["steps"]![2]!["weight"] = 101));

    [Fact]
    public void Duplicate_tool_names_are_rejected_with_the_uniqueness_rule_message() =>
        Assert.Equal(
            ["spec.tools: Invalid value: \"array\": tools must be unique by name"],
            Admit(spec => spec["tools"]!.AsArray().Add(new JsonObject { ["name"] = "crm.read_ticket", ["actions"] = new JsonArray("read") })));

    [Fact]
    public void Max_cost_of_zero_is_rejected_with_the_positive_amount_rule_message() =>
        Assert.Equal(
            ["spec.budgets.maxCostUsd: Invalid value: \"object\": maxCostUsd must be a positive amount in USD when set"],
            Admit(spec => spec["budgets"]!["maxCostUsd"] = 0));

    [Fact]
    public void An_integer_max_cost_is_a_cel_double_and_passes_the_positive_amount_rule() =>
        Assert.Empty(Admit(spec => spec["budgets"]!["maxCostUsd"] = JsonNode.Parse("5")));

    [Fact]
    public void Budgets_without_any_limit_are_rejected_as_required_with_the_rule_message() =>
        Assert.Equal(
            ["spec.budgets: Required value: budgets must set at least one of maxSteps, maxToolCalls, maxTokensTotal, maxCostUsd, maxWallTimeSeconds"],
            Admit(spec => spec["budgets"] = new JsonObject()));

    [Fact]
    public void Gateway_api_routing_without_its_httproute_block_is_rejected_with_the_rule_message() =>
        Assert.Equal(
            ["spec.rollout.trafficRouting: Required value: rollout.trafficRouting.gatewayAPI is required when rollout.trafficRouting.provider is gatewayAPI"],
            Admit(spec => spec["rollout"]!["trafficRouting"]!.AsObject().Remove("gatewayAPI")));

    [Fact]
    public void Gateway_api_routing_without_an_httproute_name_is_rejected_as_required() =>
        Assert.Equal(
            ["spec.rollout.trafficRouting.gatewayAPI.httpRoute: Required value", RulesNotChecked],
            Admit(spec => spec["rollout"]!["trafficRouting"]!["gatewayAPI"] = new JsonObject()));

    [Fact]
    public void A_rollout_without_traffic_routing_defaults_to_replicas_and_passes() =>
        Assert.Empty(Admit(spec => spec["rollout"]!.AsObject().Remove("trafficRouting")));

    [Fact]
    public void A_policy_rule_for_an_undeclared_tool_is_rejected() =>
        Assert.Equal(
            ["spec.policy.rules: Invalid value: \"object\": every policy rule's tool must be one of spec.tools[*].name"],
            Admit(spec => spec["policy"]!["rules"]![0]!["tool"] = "payments.void"));

    [Fact]
    public void A_policy_rule_with_a_tool_is_rejected_when_no_tools_are_declared() =>
        Assert.Equal(
            ["spec.policy.rules: Invalid value: \"object\": every policy rule's tool must be one of spec.tools[*].name"],
            Admit(spec => spec.AsObject().Remove("tools")));

    [Fact]
    public void Duplicate_policy_rule_ids_are_rejected() =>
        Assert.Equal(
            ["spec.policy.rules: Invalid value: \"array\": policy rule ids must be unique"],
            Admit(spec => spec["policy"]!["rules"]!.AsArray().Add(new JsonObject { ["id"] = "refund-cap", ["condition"] = "true" })));

    [Fact]
    public void A_model_role_with_uppercase_letters_is_rejected() =>
        Assert.Equal(
            ["spec.models: Invalid value: \"object\": model role names must be lowercase letters, digits and '-', starting with a letter (e.g. planner)"],
            Admit(spec => spec["models"]!["Planner"] = spec["models"]!["router"]!.DeepClone()));

    [Fact]
    public void Duplicate_env_names_are_rejected() =>
        Assert.Equal(
            ["spec.runtime.env: Invalid value: \"array\": env names must be unique"],
            Admit(spec => spec["runtime"]!["env"]!.AsArray().Add(new JsonObject { ["name"] = "LOG_LEVEL" })));

    [Fact]
    public void Duplicate_actions_of_a_tool_binding_are_rejected_at_that_binding() =>
        Assert.Equal(
            ["spec.tools[1].actions: Invalid value: \"array\": actions must be unique"],
            Admit(spec => spec["tools"]![1]!["actions"] = new JsonArray("read", "read")));

    [Fact]
    public void Prometheus_analysis_without_an_address_block_is_rejected() =>
        Assert.Equal(
            ["spec.rollout.analysis.prometheus: Required value: analysis.prometheus is required when analysis.provider is prometheus"],
            Admit(spec => spec["rollout"]!["analysis"]!.AsObject().Remove("prometheus")));

    [Fact]
    public void Web_analysis_without_a_web_block_is_rejected() =>
        Assert.Equal(
            ["spec.rollout.analysis.web: Required value: analysis.web is required when analysis.provider is web"],
            Admit(spec => spec["rollout"]!["analysis"]!["provider"] = "web"));

    [Fact]
    public void Duplicate_custom_metric_names_are_rejected() =>
        Assert.Equal(
            ["spec.rollout.analysis.metrics: Invalid value: \"array\": analysis.metrics names must be unique"],
            Admit(spec => spec["rollout"]!["analysis"]!["metrics"]!.AsArray().Add(spec["rollout"]!["analysis"]!["metrics"]![0]!.DeepClone())));

    [Fact]
    public void An_otlp_endpoint_that_is_not_a_uri_is_rejected_as_a_type_error_that_blocks_cel_rules() =>
        Assert.Equal(
            ["spec.observability.otlpEndpoint: Invalid value: \"http://otel collector:4317\": spec.observability.otlpEndpoint in body must be of type uri: \"http://otel collector:4317\"", RulesNotChecked],
            Admit(spec => spec["observability"]!["otlpEndpoint"] = "http://otel collector:4317"));

    [Fact]
    public void Several_failures_are_all_reported()
    {
        var errors = Admit(spec =>
        {
            spec["credentials"]!["tokenTtlSeconds"] = 300;
            spec["budgets"]!["maxCostUsd"] = 0;
        });
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("spec.credentials.tokenTtlSeconds:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.budgets.maxCostUsd:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pause_step_without_a_duration_is_valid_and_survives_pruning()
    {
        var workflow = Manifests.Workflow();
        workflow["spec"]!["rollout"]!["steps"]![1] = JsonNode.Parse("""{"weight": 25, "pause": {}}""");

        Assert.Empty(AgentSchemas.Workflow.Prune(workflow));
        Assert.Empty(AgentSchemas.Workflow.Admit(workflow));
        Assert.Equal("{}", workflow["spec"]!["rollout"]!["steps"]![1]!["pause"]!.ToJsonString());
    }
}
