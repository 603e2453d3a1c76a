using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Tests.Fixtures;

namespace AgentOperator.Policy.Tests.Compilation;

public class RevisionHashTests
{
    private static string Hash(AgentWorkflowSpec spec, IEnumerable<AgentTool>? tools = null) =>
        RevisionHash.Compute(spec, (tools ?? SupportWorkflow.Registry()).Select(t => t.Spec));

    [Fact]
    public void Hash_is_ten_lowercase_hex_and_stable()
    {
        var first = Hash(SupportWorkflow.Spec());
        var second = Hash(SupportWorkflow.Spec());

        Assert.Matches("^[0-9a-f]{10}$", first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Key_order_and_registry_order_do_not_change_the_hash()
    {
        var spec = SupportWorkflow.Spec();
        var reordered = spec with
        {
            Tools = [.. spec.Tools.Select(t => t.Name == "payments.issue_refund"
                ? t with { Constraints = JsonNode.Parse("""{"properties":{"amount_usd":{"maximum":500}}}""")!.AsObject() }
                : t)],
            Models = spec.Models!.Reverse().ToDictionary(),
        };

        Assert.Equal(Hash(spec), Hash(reordered, Enumerable.Reverse(SupportWorkflow.Registry())));
    }

    [Fact]
    public void Operational_fields_do_not_change_the_revision()
    {
        var spec = SupportWorkflow.Spec();
        var baseline = Hash(spec);

        Assert.Equal(baseline, Hash(spec with { KillSwitch = true }));
        Assert.Equal(baseline, Hash(spec with { Suspend = true }));
        Assert.Equal(baseline, Hash(spec with { Credentials = new CredentialsSpec { TokenTtlSeconds = 7200 } }));
        Assert.Equal(baseline, Hash(spec with { Observability = new ObservabilitySpec() }));
        Assert.Equal(baseline, Hash(spec with { Rollout = new RolloutSpec() }));
    }

    [Fact]
    public void Behaviour_changes_change_the_revision()
    {
        var spec = SupportWorkflow.Spec();
        var baseline = Hash(spec);
        var tools = SupportWorkflow.Registry();
        var retiered = tools.Select(t => t.Spec.Name == "tickets.update" ? SupportWorkflow.Tool("tickets.update", 3, [ToolAction.Update, ToolAction.Read]) : t);
        var unrelated = tools.Append(SupportWorkflow.Tool("unrelated.tool", 0, [ToolAction.Read]));

        Assert.NotEqual(baseline, Hash(spec with { Autonomy = Autonomy.Approve }));
        Assert.NotEqual(baseline, Hash(spec with { Budgets = spec.Budgets with { MaxToolCalls = 31 } }));
        Assert.NotEqual(baseline, Hash(spec with { Runtime = spec.Runtime with { Image = "ghcr.io/example/support-agent@sha256:def" } }));
        Assert.NotEqual(baseline, Hash(spec with { Policy = spec.Policy! with { Rules = spec.Policy.Rules!.Skip(1).ToList() } }));
        Assert.NotEqual(baseline, Hash(spec, retiered));
        Assert.Equal(baseline, Hash(spec, unrelated));
    }
}
