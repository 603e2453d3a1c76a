using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using YamlDotNet.Serialization;

namespace AgentOperator.KubectlAgents.Output;

/// <summary>
/// <c>-o json</c> and <c>-o yaml</c>: the objects as the API server serves them (KubernetesClient's serializer), one
/// object as itself and several as a <c>v1 List</c>, as kubectl prints them.
/// </summary>
public static class ObjectOutput
{
    public static void WriteJson(TextWriter output, object value)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(ToNode(value)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static void WriteYaml(TextWriter output, object value)
    {
        ArgumentNullException.ThrowIfNull(output);
        var serializer = new SerializerBuilder().WithQuotingNecessaryStrings().Build();
        output.Write(serializer.Serialize(ToPlain(ToNode(value))));
    }

    /// <summary>Several objects as kubectl lists them.</summary>
    public static object List<T>(IEnumerable<T> items) => new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["items"] = new JsonArray([.. items.Select(i => ToNode(i))]),
        ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
    };

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        _ => JsonNode.Parse(KubernetesJson.Serialize(value)),
    };

    // YamlDotNet writes plain dictionaries, lists and scalars; numbers and booleans stay unquoted.
    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => decimal.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : node.ToJsonString(),
    };
}
