using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;

namespace AgentOperator.DevCluster.Storage;

/// <summary>Validation and defaulting of one custom resource version, from its CRD schema.</summary>
internal interface ICustomResourceSchema
{
    /// <summary>Sets schema defaults in place (before validation, like kube-apiserver's defaulting on decode).</summary>
    void ApplyDefaults(JsonObject obj);

    /// <summary>Drops fields the schema does not declare (structural pruning); returns their paths.</summary>
    IReadOnlyList<string> Prune(JsonObject obj);

    /// <summary>Structural schema and CEL (<c>x-kubernetes-validations</c>) errors; empty when valid. <paramref name="old"/> is the stored object on update (for transition rules).</summary>
    IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? old);

    /// <summary>The object as admission policies' CEL sees it: typed by the schema, metadata fully visible.</summary>
    object? ToAdmissionCelValue(JsonObject? obj);
}
