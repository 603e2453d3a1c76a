using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Tests;

/// <summary>ApplyDefaults prunes unknown fields, then fills defaults recursively, as kube-apiserver does on decode.</summary>
public sealed class DefaultingAndPruningTests
{
    private static JsonNode Minimal() => JsonNode.Parse("""
        {"apiVersion":"agentoperator.io/v1alpha1","kind":"AgentWorkflow","metadata":{"name":"m","labels":{"a":"b"}},
         "spec":{"runtime":{"image":"agent:1"},"budgets":{"maxSteps":8},"credentials":{},
                 "rollout":{"trafficRouting":{},"analysis":{"prometheus":{"address":"http://p:9090"}}}}}
        """)!;

    [Fact]
    public void Defaults_fill_absent_fields_at_every_level()
    {
        var workflow = Minimal();
        AgentSchemas.Workflow.ApplyDefaults(workflow);
        var spec = workflow["spec"]!;
        Assert.Equal("observe", (string?)spec["autonomy"]);
        Assert.False((bool)spec["suspend"]!);
        Assert.False((bool)spec["killSwitch"]!);
        Assert.Equal(1, (long)spec["runtime"]!["replicas"]!);
        Assert.Equal(8080, (long)spec["runtime"]!["port"]!);
        Assert.Equal(3600, (long)spec["credentials"]!["tokenTtlSeconds"]!);
        Assert.Equal("replicas", (string?)spec["rollout"]!["trafficRouting"]!["provider"]);
        Assert.Equal(600, (long)spec["rollout"]!["progressDeadlineSeconds"]!);
        var analysis = spec["rollout"]!["analysis"]!;
        Assert.Equal(60, (long)analysis["intervalSeconds"]!);
        Assert.Equal("prometheus", (string?)analysis["provider"]);
        Assert.Equal(10, (long)analysis["prometheus"]!["timeoutSeconds"]!);
    }

    [Fact]
    public void Defaults_do_not_create_absent_optional_objects()
    {
        var workflow = Minimal();
        AgentSchemas.Workflow.ApplyDefaults(workflow);
        Assert.Null(workflow["spec"]!["observability"]);
        Assert.Null(workflow["spec"]!["policy"]);
    }

    [Fact]
    public void Defaults_never_overwrite_a_value_that_is_set()
    {
        var workflow = Minimal();
        workflow["spec"]!["autonomy"] = "auto";
        workflow["spec"]!["runtime"]!["replicas"] = 0;
        AgentSchemas.Workflow.ApplyDefaults(workflow);
        Assert.Equal("auto", (string?)workflow["spec"]!["autonomy"]);
        Assert.Equal("0", workflow["spec"]!["runtime"]!["replicas"]!.ToJsonString());
    }

    [Fact]
    public void A_null_field_with_a_default_gets_the_default_and_one_without_is_dropped()
    {
        var workflow = Minimal();
        workflow["spec"]!["autonomy"] = null;
        workflow["spec"]!["policy"] = null;
        AgentSchemas.Workflow.ApplyDefaults(workflow);
        Assert.Equal("observe", (string?)workflow["spec"]!["autonomy"]);
        Assert.False(workflow["spec"]!.AsObject().ContainsKey("policy"));
    }

    [Fact]
    public void Defaults_apply_inside_list_items()
    {
        var workflow = Minimal();
        workflow["spec"]!["policy"] = JsonNode.Parse("""{"rules":[{"id":"r","condition":"true"}]}""");
        AgentSchemas.Workflow.ApplyDefaults(workflow);
        Assert.Equal("deny", (string?)workflow["spec"]!["policy"]!["rules"]![0]!["onFail"]);
    }

    [Fact]
    public void Unknown_fields_are_pruned_and_reported_while_metadata_and_free_form_objects_are_kept()
    {
        var workflow = Minimal();
        workflow["spec"]!["colour"] = "blue";
        workflow["spec"]!["runtime"]!["gpu"] = true;
        workflow["spec"]!["tools"] = JsonNode.Parse("""[{"name":"a.b","actions":["read"],"typo":1,"constraints":{"anything":{"goes":1}}}]""");
        workflow["status"] = JsonNode.Parse("""{"phase":"Ready","bogus":1}""");

        var pruned = AgentSchemas.Workflow.Prune(workflow);

        Assert.Equal(["spec.colour", "spec.runtime.gpu", "spec.tools[0].typo", "status.bogus"], pruned.Order(StringComparer.Ordinal));
        Assert.Null(workflow["spec"]!["colour"]);
        Assert.Equal(1, (long)workflow["spec"]!["tools"]![0]!["constraints"]!["anything"]!["goes"]!);
        Assert.Equal("b", (string?)workflow["metadata"]!["labels"]!["a"]);
        Assert.Equal("Ready", (string?)workflow["status"]!["phase"]);
    }

    [Fact]
    public void ApplyDefaults_also_prunes()
    {
        var workflow = Minimal();
        workflow["spec"]!["colour"] = "blue";
        AgentSchemas.Workflow.ApplyDefaults(workflow);
        Assert.False(workflow["spec"]!.AsObject().ContainsKey("colour"));
    }
}
