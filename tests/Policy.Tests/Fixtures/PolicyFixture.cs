using System.Text.Json;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Tests.Fixtures;

/// <summary>Compiled bundles and calls for decision tests.</summary>
public static class PolicyFixture
{
    public static PolicyBundle CompileBundle(AgentWorkflowSpec? spec = null)
    {
        var result = PolicyBundleCompiler.Compile(SupportWorkflow.Workflow(spec), SupportWorkflow.Registry());
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Bundle;
    }

    public static CompiledPolicy Compiled(Autonomy autonomy = Autonomy.Auto, bool killSwitch = false) =>
        CompiledPolicy.Compile(CompileBundle(SupportWorkflow.Spec(autonomy) with { KillSwitch = killSwitch }));

    public static ToolCallRequest Call(string tool, ToolAction action, string input = "{}", params string[] approvers) =>
        new(tool, action, JsonDocument.Parse(input).RootElement.Clone()) { Approvers = approvers };

    public static ToolCallRequest Refund(double amount = 20, string reason = "Regret", string orderId = "ord_123", params string[] approvers) =>
        Call("payments.issue_refund", ToolAction.Create,
            JsonSerializer.Serialize(new Dictionary<string, object> { ["order_id"] = orderId, ["amount_usd"] = amount, ["reason"] = reason }), approvers);

    public static RunSnapshot Run(int toolCalls = 0) => new() { RunId = "run-1", ToolCalls = toolCalls };
}
