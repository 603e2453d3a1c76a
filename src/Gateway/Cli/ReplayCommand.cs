using System.Text;
using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Audit;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.Inputs;
using AgentOperator.Policy.Replay;

namespace AgentOperator.Gateway.Cli;

/// <summary>
/// <c>replay --audit FILE --bundle FILE</c>: re-decides every tool call the audit log recorded a policy
/// decision for, under the other bundle (with the recorded, redacted input and run counters), and prints each
/// decision that would change and each recorded input that is ambiguous (a repeated member, invalid Unicode).
/// Exit 0 when none changes and none is ambiguous, 3 otherwise, 1 when the log is not intact.
/// </summary>
public static class ReplayCommand
{
    public static async Task<int> RunAsync(CommandArguments args, TextWriter output, CancellationToken cancellationToken)
    {
        var auditPath = args.Required("audit");
        var bundlePath = args.Required("bundle");
        var verification = await AuditVerifier.VerifyAsync(auditPath, cancellationToken);
        if (!verification.IsIntact)
        {
            await output.WriteLineAsync($"refusing to replay a tampered log: line {verification.FirstBadLine}: {verification.Problem}");
            return 1;
        }

        var policy = CompiledPolicy.Compile(PolicyBundleJson.Deserialize(await File.ReadAllTextAsync(bundlePath, cancellationToken)));
        var calls = new List<(int Line, RecordedToolCall Call)>();
        var ambiguous = 0;
        var lineNumber = 0;
        await foreach (var line in File.ReadLinesAsync(auditPath, cancellationToken))
        {
            lineNumber++;
            if (AuditChain.TryOpen(line, out var body, out _) && ToRecordedCall(body) is { } call)
            {
                calls.Add((lineNumber, call));
                // Recorded before the gateway parsed strictly: the schema and the upstream may have read different values.
                if (StrictJson.FindOffence(Encoding.UTF8.GetBytes(call.Input.GetRawText())) is { } offence)
                {
                    ambiguous++;
                    await output.WriteLineAsync($"line {lineNumber}: {call.Tool} ({Action(call.Action)}): the recorded input is ambiguous and would now be refused with 400: {offence.Pointer}: {offence.Message}");
                }
            }
        }

        var changes = PolicyReplay.Changes(policy, calls.Select(c => c.Call));
        foreach (var change in changes)
        {
            var line = calls[change.Index].Line;
            await output.WriteLineAsync($"line {line}: {change.Call.Tool} ({Action(change.Call.Action)}): {change.Call.RecordedKind}{Rule(change.Call.RecordedRuleId)} -> {change.Replayed.Kind}{Rule(change.Replayed.RuleId)}: {change.Replayed.Reason}");
        }

        await output.WriteLineAsync($"{calls.Count} recorded decisions replayed under {policy.Bundle.Workflow}@{policy.Bundle.Revision}: {changes.Count} would change, {ambiguous} with ambiguous input");
        return changes.Count == 0 && ambiguous == 0 ? 0 : 3;
    }

    private static string Rule(string? rule) => rule is null ? "" : $" [{rule}]";

    private static string Action(ToolAction action) => CompiledTool.ActionName(action);

    private static RecordedToolCall? ToRecordedCall(string body)
    {
        var record = JsonSerializer.Deserialize<AuditRecord>(body, AuditChain.SerializerOptions);
        if (record is not { Kind: AuditKinds.ToolCall, PolicyDecision: { } kindName, Tool: { } tool, Run: { } run, Action: { } actionName }
            || !Enum.TryParse<DecisionKind>(kindName, out var kind))
        {
            return null;
        }

        var action = actionName switch
        {
            "read" => ToolAction.Read,
            "create" => ToolAction.Create,
            "update" => ToolAction.Update,
            "delete" => ToolAction.Delete,
            _ => (ToolAction?)null,
        };
        if (action is null)
        {
            return null;
        }

        // The engine's own rule, not what answered the agent: "Allow, then the upstream was unreachable" is an Allow.
        // Logs written before PolicyRule existed: an Allow has no rule, any other decision's rule is Rule.
        var policyRule = record.PolicyRule ?? (kind == DecisionKind.Allow ? null : record.Rule);
        var input = record.Input ?? JsonDocument.Parse("{}").RootElement.Clone();
        return new RecordedToolCall(tool, action.Value, input, run, kind, policyRule) { Approvers = record.Approvers ?? [], Intent = record.AgentIntent, Reason = record.AgentReason };
    }
}
