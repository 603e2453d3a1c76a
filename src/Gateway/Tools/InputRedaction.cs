using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Redaction;

namespace AgentOperator.Gateway.Tools;

/// <summary>
/// What of a tool input may leave the gateway (audit records, spans, approvals): the input with the
/// bundle's redaction kinds applied by the Policy library's <see cref="Redactor"/> (one per bundle).
/// </summary>
public sealed class InputRedaction
{
    private readonly ConditionalWeakTable<PolicyBundle, Redactor> _redactors = [];

    /// <summary>The redacted copy of <paramref name="input"/> as a node tree (approvals, spans).</summary>
    public JsonNode? Redact(JsonElement input, PolicyBundle bundle) => For(bundle).Redact(input);

    /// <summary>The redacted copy of <paramref name="input"/>, valid after its document is disposed (audit records).</summary>
    public JsonElement RedactedCopy(JsonElement input, PolicyBundle bundle) => For(bundle).RedactedCopy(input);

    private Redactor For(PolicyBundle bundle) => _redactors.GetValue(bundle, b => new Redactor(b.Redact));
}
