using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>Field selectors (<c>metadata.name=x,status.phase!=Running</c>) over the fields a resource declares selectable.</summary>
internal sealed class FieldSelector
{
    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string, bool, string)> terms) => _terms = terms;

    public static FieldSelector? Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var notEqual = raw.IndexOf("!=", StringComparison.Ordinal);
            var (field, equal, value) = notEqual >= 0
                ? (raw[..notEqual], false, raw[(notEqual + 2)..])
                : raw.Contains("==", StringComparison.Ordinal)
                    ? (raw[..raw.IndexOf("==", StringComparison.Ordinal)], true, raw[(raw.IndexOf("==", StringComparison.Ordinal) + 2)..])
                    : raw.Contains('=', StringComparison.Ordinal)
                        ? (raw[..raw.IndexOf('=', StringComparison.Ordinal)], true, raw[(raw.IndexOf('=', StringComparison.Ordinal) + 1)..])
                        : throw ApiErrors.BadRequest($"invalid selector: '{text}'; can't understand '{raw}'");
            field = field.Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !type.SelectableFields.Contains(field))
            {
                throw ApiErrors.BadRequest($"field label not supported: {field}");
            }

            terms.Add((field, equal, value.Trim()));
        }

        return new FieldSelector(terms);
    }

    /// <summary>Matches an object in its served form.</summary>
    public bool Matches(JsonObject obj) => _terms.All(t => (Value(obj, t.Field) == t.Value) == t.Equal);

    private static string Value(JsonObject obj, string field)
    {
        if (field == "source")
        {
            return obj.Str("source", "component") ?? "";
        }

        var node = obj.At(field.Split('.'));
        return node switch
        {
            null => "",
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
            _ => node.ToJsonString(),
        };
    }
}
