using System.Diagnostics;

namespace AgentOperator.Gateway.Telemetry;

/// <summary>
/// The gateway's ActivitySource and the attribute names it uses: OpenTelemetry GenAI semantic
/// conventions (<c>gen_ai.*</c>) plus AgentOperator's own <c>agent.*</c>.
/// </summary>
public static class GatewayTelemetry
{
    public const string SourceName = "AgentOperator.Gateway";

    public static readonly ActivitySource Source = new(SourceName, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString());

    public const string GenAiOperationName = "gen_ai.operation.name";
    public const string GenAiSystem = "gen_ai.system";
    public const string GenAiRequestModel = "gen_ai.request.model";
    public const string GenAiResponseModel = "gen_ai.response.model";
    public const string GenAiInputTokens = "gen_ai.usage.input_tokens";
    public const string GenAiOutputTokens = "gen_ai.usage.output_tokens";
    public const string GenAiToolName = "gen_ai.tool.name";
    public const string GenAiToolCallArguments = "gen_ai.tool.call.arguments";
    public const string GenAiAgentName = "gen_ai.agent.name";

    public const string AgentWorkflow = "agent.workflow";
    public const string AgentRevision = "agent.revision";
    public const string AgentRunId = "agent.run_id";
    public const string AgentDecision = "agent.decision";
    public const string AgentRule = "agent.rule";
    public const string AgentReason = "agent.reason";
    public const string AgentRole = "agent.role";
    public const string AgentCostUsd = "agent.cost_usd";
    public const string AgentApprovalId = "agent.approval_id";

    /// <summary>GenAI operation names.</summary>
    public const string OperationInvokeAgent = "invoke_agent";
    public const string OperationExecuteTool = "execute_tool";
    public const string OperationChat = "chat";
}
