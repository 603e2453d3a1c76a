using System.Text.Json;
using AgentOperator.AuditCollector.Identity;
using AgentOperator.AuditCollector.Store;
using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Runs;

/// <summary>
/// Builds <see cref="RunRecord"/>s of a workflow from its stored chains by reading the segments: the store is the one
/// source, so what the API says is what <c>verify</c> checks. Runs are grouped by id within a chain (a run lives in one pod).
/// </summary>
public static class RunReader
{
    /// <summary>The runs of a workflow that started (or, without a start record, were first seen) in [since, until).</summary>
    public static async Task<IReadOnlyList<RunRecord>> ReadAsync(ChainStore store, string @namespace, string workflow, DateTimeOffset since, DateTimeOffset until, string? runId, CancellationToken cancellationToken)
    {
        var directory = store.WorkflowDirectory(@namespace, workflow);
        List<RunRecord> runs = [];
        if (!Directory.Exists(directory))
        {
            return runs;
        }

        foreach (var chainDirectory in Directory.EnumerateDirectories(directory))
        {
            var identityFile = Path.Combine(chainDirectory, AuditCollectorApi.Files.Identity);
            if (!File.Exists(identityFile) || JsonSerializer.Deserialize<GatewayIdentity>(await File.ReadAllTextAsync(identityFile, cancellationToken), AuditChain.SerializerOptions) is not { } identity)
            {
                continue;
            }

            var builders = new Dictionary<string, RunBuilder>(StringComparer.Ordinal);
            foreach (var segment in Directory.EnumerateFiles(chainDirectory, AuditCollectorApi.Files.SegmentPrefix + "*").Order(StringComparer.Ordinal))
            {
                await foreach (var line in File.ReadLinesAsync(segment, cancellationToken))
                {
                    if (!AuditChain.TryOpen(line, out var body, out _))
                    {
                        continue;
                    }

                    using var document = JsonDocument.Parse(body);
                    var root = document.RootElement;
                    if (Str(root, "runId") is not { } id || (runId is not null && id != runId))
                    {
                        continue;
                    }

                    if (!builders.TryGetValue(id, out var builder))
                    {
                        builders[id] = builder = new RunBuilder(id, identity);
                    }

                    builder.Add(root);
                }
            }

            runs.AddRange(builders.Values.Select(b => b.Build()).Where(r => (r.StartedAt ?? r.CompletedAt) is { } at && at >= since && at < until));
        }

        return [.. runs.OrderByDescending(r => r.StartedAt ?? r.CompletedAt)];
    }

    internal static string? Str(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed class RunBuilder(string runId, GatewayIdentity identity)
    {
        private readonly List<RunDecision> _decisions = [];
        private readonly List<RunApproval> _approvals = [];
        private readonly Dictionary<(string, string), (long In, long Out)> _tokens = [];
        private DateTimeOffset? _started;
        private DateTimeOffset? _completed;
        private DateTimeOffset? _firstSeen;
        private string? _outcome;
        private string? _terminatedBy;
        private decimal _cost;
        private double? _duration;
        private int _toolCalls;
        private int _modelCalls;

        public void Add(JsonElement record)
        {
            var time = record.GetProperty("time").GetDateTimeOffset();
            _firstSeen ??= time;
            var kind = Str(record, "kind");
            switch (kind)
            {
                case "run.started":
                    _started = time;
                    return;
                case "run.completed":
                    _completed = time;
                    _outcome = Str(record, "outcome");
                    _terminatedBy = Str(record, "rule");
                    _duration = record.TryGetProperty("durationMs", out var d) ? d.GetDouble() : null;
                    return;
            }

            var executed = record.TryGetProperty("executed", out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : (bool?)null;
            if (kind == "tool.call" && executed == true)
            {
                _toolCalls++;
            }

            if (kind == "model.call" && executed == true)
            {
                _modelCalls++;
                var key = (Str(record, "role") ?? "", Str(record, "model") ?? "");
                var (inTokens, outTokens) = _tokens.GetValueOrDefault(key);
                _tokens[key] = (inTokens + Long(record, "inputTokens"), outTokens + Long(record, "outputTokens"));
                _cost += record.TryGetProperty("costUsd", out var c) ? c.GetDecimal() : 0;
            }

            _decisions.Add(new RunDecision(record.GetProperty("sequence").GetInt64(), time, kind ?? "", Str(record, "tool"), Str(record, "action"), Str(record, "role"), Str(record, "model"),
                Str(record, "decision"), Str(record, "rule"), Str(record, "reason"), record.TryGetProperty("status", out var s) ? s.GetInt32() : null, executed,
                record.TryGetProperty("durationMs", out var ms) && ms.ValueKind == JsonValueKind.Number ? ms.GetDouble() : null,
                NullableLong(record, "inputTokens"), NullableLong(record, "outputTokens"),
                record.TryGetProperty("costUsd", out var spent) && spent.ValueKind == JsonValueKind.Number ? spent.GetDecimal() : null,
                Str(record, "approvalId"), Str(record, "agentIntent"), Str(record, "agentReason")));
            if (record.TryGetProperty("approvers", out var approvers) && approvers.ValueKind == JsonValueKind.Array && approvers.GetArrayLength() > 0)
            {
                _approvals.Add(new RunApproval(Str(record, "approvalId"), Str(record, "tool"), [.. approvers.EnumerateArray().Select(a => a.GetString() ?? "")], time));
            }
        }

        public RunRecord Build() => new(runId, identity.Namespace, identity.Workflow, identity.Revision, identity.Pod, _started ?? _firstSeen, _completed, _outcome, _terminatedBy,
            _toolCalls + _modelCalls, _toolCalls, [.. _tokens.Select(t => new RunTokens(t.Key.Item1, t.Key.Item2, t.Value.In, t.Value.Out))], _cost, _duration, _decisions, _approvals);

        private static long Long(JsonElement record, string name) => NullableLong(record, name) ?? 0;

        private static long? NullableLong(JsonElement record, string name) =>
            record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
    }
}
