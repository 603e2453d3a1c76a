using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// A ValidatingAdmissionPolicy with its expressions compiled once (per resourceVersion): match conditions, variables,
/// validations with their message expressions. An expression that does not compile is kept with its error, which
/// fails every request the policy applies to (or is ignored with failurePolicy Ignore), as in kube-apiserver.
/// </summary>
internal sealed class CompiledPolicy
{
    private CompiledPolicy(JsonObject policy)
    {
        var spec = policy["spec"] as JsonObject ?? [];
        Name = policy.Str("metadata", "name") ?? "";
        IgnoreFailures = spec.Str("failurePolicy") == "Ignore";
        MatchConstraints = spec["matchConstraints"] as JsonObject;
        HasParams = spec["paramKind"] is JsonObject;
        MatchConditions = Items(spec["matchConditions"]).Select(c => (c.Str("name") ?? "", AdmissionCel.Compile(c.Str("expression") ?? ""))).ToList();
        Variables = Items(spec["variables"]).Select(v => (v.Str("name") ?? "", AdmissionCel.Compile(v.Str("expression") ?? ""))).ToList();
        Validations = Items(spec["validations"]).Select(v => new Validation(
            AdmissionCel.Compile(v.Str("expression") ?? ""),
            v.Str("message"),
            v.Str("messageExpression") is { Length: > 0 } m ? AdmissionCel.Compile(m) : null,
            v.Str("reason"))).ToList();
    }

    public string Name { get; }

    /// <summary><c>failurePolicy: Ignore</c>; Fail is the default.</summary>
    public bool IgnoreFailures { get; }

    public JsonObject? MatchConstraints { get; }

    /// <summary>The policy declares <c>paramKind</c>; DevCluster does not resolve params.</summary>
    public bool HasParams { get; }

    public IReadOnlyList<(string Name, AdmissionCel.Program Program)> MatchConditions { get; }

    public IReadOnlyList<(string Name, AdmissionCel.Program Program)> Variables { get; }

    public IReadOnlyList<Validation> Validations { get; }

    public static CompiledPolicy Compile(JsonObject policy) => new(policy);

    private static IEnumerable<JsonObject> Items(JsonNode? list) => (list as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>One entry of <c>spec.validations</c>; <see cref="Reason"/> null means Invalid.</summary>
    internal sealed record Validation(AdmissionCel.Program Program, string? Message, AdmissionCel.Program? MessageExpression, string? Reason);
}
