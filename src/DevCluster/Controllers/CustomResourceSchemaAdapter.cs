using System.Text.Json.Nodes;
using AgentOperator.Crds.Validation;
using AgentOperator.DevCluster.Storage;
using ApiFieldError = AgentOperator.DevCluster.Api.FieldError;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>One CRD version's schema, compiled once by <see cref="CustomResourceSchema"/> (structural schema + CEL rules).</summary>
internal sealed class CustomResourceSchemaAdapter(CustomResourceSchema schema) : ICustomResourceSchema
{
    public IReadOnlyList<string> Prune(JsonObject obj) => schema.Prune(obj);

    public void ApplyDefaults(JsonObject obj) => schema.ApplyDefaults(obj);

    public IReadOnlyList<ApiFieldError> Validate(JsonObject obj, JsonObject? old) =>
        schema.Validate(obj, old).Select(e => new ApiFieldError(e.Reason, e.Path, e.Body)).ToList();

    public object? ToAdmissionCelValue(JsonObject? obj) => schema.ToAdmissionCelValue(obj);
}
