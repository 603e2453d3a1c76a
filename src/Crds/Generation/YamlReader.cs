using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AgentOperator.Crds.Generation;

/// <summary>
/// Reads YAML documents (CRDs, manifests) into JSON trees with YAML 1.2 core-schema typing, as kubectl does before it
/// sends them: plain <c>5</c> is a number, plain <c>true</c> a boolean, quoted scalars are always strings.
/// </summary>
public static partial class YamlReader
{
    /// <summary>Every non-empty document of a (possibly multi-document) YAML text.</summary>
    public static IReadOnlyList<JsonNode> ReadDocuments(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonNode>()];
    }

    /// <summary>The single document of a YAML text.</summary>
    public static JsonNode Read(string yaml) =>
        ReadDocuments(yaml) switch
        {
            [var only] => only,
            var all => throw new FormatException($"expected one YAML document, found {all.Count}"),
        };

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => ToObject(map),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new FormatException($"unsupported YAML node at {node.Start}"),
    };

    private static JsonObject ToObject(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? throw new FormatException($"non-scalar key at {key.Start}");
            result[name] = ToJson(value);
        }

        return result;
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded
            || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str"))
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" || NullWord().IsMatch(text))
        {
            return null;
        }

        if (TrueWord().IsMatch(text))
        {
            return JsonValue.Create(true);
        }

        if (FalseWord().IsMatch(text))
        {
            return JsonValue.Create(false);
        }

        if (IntegerText().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (FloatText().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex("^(null|Null|NULL)$")]
    private static partial Regex NullWord();

    [GeneratedRegex("^(true|True|TRUE)$")]
    private static partial Regex TrueWord();

    [GeneratedRegex("^(false|False|FALSE)$")]
    private static partial Regex FalseWord();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatText();
}
