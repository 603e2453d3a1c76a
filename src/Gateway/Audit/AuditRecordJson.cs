using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// Writes a record exactly as <c>JsonSerializer</c> does with <see cref="AuditChain.SerializerOptions"/>
/// (declaration order, camelCase, nulls omitted), with the sequence and prev the log assigns passed in:
/// no copy of the record and no serializer state per line. A test holds it to the serializer's output.
/// </summary>
internal static class AuditRecordJson
{
    public static void Write(Utf8JsonWriter writer, AuditRecord record, long sequence, string previousSha256)
    {
        writer.WriteStartObject();
        writer.WriteNumber("sequence"u8, sequence);
        writer.WriteString("time"u8, record.Time);
        writer.WriteString("kind"u8, record.Kind);
        WriteIfSet(writer, "workflow"u8, record.Workflow);
        WriteIfSet(writer, "revision"u8, record.Revision);
        WriteIfSet(writer, "bundleSha256"u8, record.BundleSha256);
        WriteIfSet(writer, "runId"u8, record.RunId);
        WriteIfSet(writer, "tool"u8, record.Tool);
        WriteIfSet(writer, "action"u8, record.Action);
        WriteIfSet(writer, "decision"u8, record.Decision);
        WriteIfSet(writer, "rule"u8, record.Rule);
        WriteIfSet(writer, "policyDecision"u8, record.PolicyDecision);
        WriteIfSet(writer, "policyRule"u8, record.PolicyRule);
        WriteIfSet(writer, "reason"u8, record.Reason);
        WriteIfSet(writer, "agentIntent"u8, record.AgentIntent);
        WriteIfSet(writer, "agentReason"u8, record.AgentReason);
        if (record.Status is { } status)
        {
            writer.WriteNumber("status"u8, status);
        }

        if (record.Input is { } input)
        {
            writer.WritePropertyName("input"u8);
            input.WriteTo(writer);
        }

        WriteIfSet(writer, "inputSha256"u8, record.InputSha256);
        if (record.InputBytes is { } inputBytes)
        {
            writer.WriteNumber("inputBytes"u8, inputBytes);
        }

        if (record.Run is { } run)
        {
            writer.WritePropertyName("run"u8);
            WriteRun(writer, run);
        }

        if (record.Approvers is { } approvers)
        {
            writer.WriteStartArray("approvers"u8);
            foreach (var approver in approvers)
            {
                writer.WriteStringValue(approver);
            }

            writer.WriteEndArray();
        }

        WriteIfSet(writer, "idempotencyKey"u8, record.IdempotencyKey);
        WriteIfSet(writer, "approvalId"u8, record.ApprovalId);
        if (record.Executed is { } executed)
        {
            writer.WriteBoolean("executed"u8, executed);
        }

        WriteIfSet(writer, "role"u8, record.Role);
        WriteIfSet(writer, "model"u8, record.Model);
        if (record.InputTokens is { } inputTokens)
        {
            writer.WriteNumber("inputTokens"u8, inputTokens);
        }

        if (record.OutputTokens is { } outputTokens)
        {
            writer.WriteNumber("outputTokens"u8, outputTokens);
        }

        if (record.CostUsd is { } costUsd)
        {
            writer.WriteNumber("costUsd"u8, costUsd);
        }

        if (record.MaxCompletionTokens is { } maxCompletionTokens)
        {
            writer.WriteNumber("maxCompletionTokens"u8, maxCompletionTokens);
        }

        if (record.Streamed is { } streamed)
        {
            writer.WriteBoolean("streamed"u8, streamed);
        }

        WriteIfSet(writer, "usageSource"u8, record.UsageSource);
        WriteIfSet(writer, "outcome"u8, record.Outcome);
        if (record.DurationMs is { } durationMs)
        {
            writer.WriteNumber("durationMs"u8, durationMs);
        }

        writer.WriteString("prev"u8, previousSha256);
        writer.WriteEndObject();
    }

    private static void WriteRun(Utf8JsonWriter writer, RunSnapshot run)
    {
        writer.WriteStartObject();
        writer.WriteString("runId"u8, run.RunId);
        WriteIfSet(writer, "task"u8, run.Task);
        writer.WriteNumber("steps"u8, run.Steps);
        writer.WriteNumber("toolCalls"u8, run.ToolCalls);
        writer.WriteNumber("tokens"u8, run.Tokens);
        writer.WriteNumber("costUsd"u8, run.CostUsd);
        writer.WriteNumber("elapsedSeconds"u8, run.ElapsedSeconds);
        WriteIfSet(writer, "terminatedBy"u8, run.TerminatedBy);
        var usage = run.Usage;
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("steps"u8, usage.Steps);
        writer.WriteNumber("toolCalls"u8, usage.ToolCalls);
        writer.WriteNumber("tokens"u8, usage.Tokens);
        writer.WriteNumber("costUsd"u8, usage.CostUsd);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
