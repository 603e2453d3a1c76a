namespace AgentOperator.DevCluster.Api;

/// <summary>One field validation error in apimachinery's shape (<c>field.Error</c>).</summary>
/// <param name="Type">The cause type, e.g. <c>FieldValueInvalid</c>, <c>FieldValueRequired</c>.</param>
/// <param name="Field">The field path, e.g. <c>spec.replicas</c>.</param>
/// <param name="Body">The message without the field, e.g. <c>Invalid value: 0: must be greater than 0</c>.</param>
internal sealed record FieldError(string Type, string Field, string Body)
{
    public override string ToString() => $"{Field}: {Body}";
}
