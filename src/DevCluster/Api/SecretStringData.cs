using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// Secret's write-only <c>stringData</c>, as kube-apiserver's v1-to-internal conversion handles it: every entry
/// is base64-encoded into <c>data</c> (overwriting a key present in both) and <c>stringData</c> itself is never
/// stored or returned. Then the data keys are validated like <c>ValidateSecret</c> does.
/// </summary>
internal static partial class SecretStringData
{
    private const string ConfigKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    /// <summary>Moves <c>stringData</c> into <c>data</c> on a Secret about to be written.</summary>
    public static void MergeIntoData(ResourceType type, JsonObject secret)
    {
        if (type.Storage is not { Group: "", Resource: "secrets" })
        {
            return;
        }

        if (secret["stringData"] is JsonObject stringData)
        {
            var data = secret.Obj("data");
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(AsString(type, value)));
            }
        }
        else if (secret["stringData"] is { } other)
        {
            throw CannotDecode(type, $"json: cannot unmarshal {other.GetValueKind().ToString().ToLowerInvariant()} into Go struct field Secret.stringData of type map[string]string");
        }

        secret.Remove("stringData");
        var errors = secret["data"] is JsonObject keys
            ? keys.Where(k => k.Key.Length is 0 or > 253 || !ConfigKey().IsMatch(k.Key))
                .Select(k => new FieldError("FieldValueInvalid", $"data[{k.Key}]", $"Invalid value: \"{k.Key}\": {ConfigKeyMessage}"))
                .ToList()
            : [];
        if (errors.Count > 0)
        {
            throw ApiErrors.Invalid(type.Group, type.Kind, secret.Str("metadata", "name") ?? "", errors);
        }
    }

    private static string AsString(ResourceType type, JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw CannotDecode(type, $"json: cannot unmarshal {value.GetValueKind().ToString().ToLowerInvariant()} into Go struct field Secret.stringData of type string"),
    };

    private static ApiException CannotDecode(ResourceType type, string why) =>
        ApiErrors.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {why}");

    [GeneratedRegex(@"^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();
}
