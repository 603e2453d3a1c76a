using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOperator.Policy.Bundles;

/// <summary>The JSON form of a <see cref="PolicyBundle"/> (camelCase, nulls omitted, enums as their CRD strings).</summary>
public static class PolicyBundleJson
{
    /// <summary>Serializer options used for bundles.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Writes the bundle as indented JSON.</summary>
    public static string Serialize(PolicyBundle bundle) => JsonSerializer.Serialize(bundle, Options);

    /// <summary>Reads a bundle; throws <see cref="JsonException"/> for malformed JSON or an unknown schemaVersion.</summary>
    public static PolicyBundle Deserialize(string json)
    {
        var bundle = JsonSerializer.Deserialize<PolicyBundle>(json, Options)
            ?? throw new JsonException("the policy bundle is null");
        if (bundle.SchemaVersion != PolicyBundle.CurrentSchemaVersion)
        {
            throw new JsonException($"unsupported policy bundle schemaVersion '{bundle.SchemaVersion}', expected '{PolicyBundle.CurrentSchemaVersion}'");
        }

        return bundle;
    }
}
