using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api.CelCost;

/// <summary>
/// The CEL type of a structural schema node with the size facts cost estimation reads, as kube-apiserver derives it
/// (apiextensions-apiserver pkg/apiserver/schema/cel/model SchemaDeclType over apiserver pkg/cel DeclType):
/// <see cref="MaxElements"/> is a list's maxItems, a map's maxProperties or a string's maxLength × 4 (bytes per rune) or
/// longest enum value, and when the schema declares no bound, what fits into a 3 MiB request given the element's
/// <see cref="MinSerializedSize"/>.
/// </summary>
internal sealed partial class CelDeclType
{
    /// <summary>kube-apiserver's default request body limit (apiserver pkg/cel DefaultMaxRequestSizeBytes).</summary>
    public const long MaxRequestSizeBytes = 3 * 1024 * 1024;

    // apiserver pkg/cel/limits.go: the smallest JSON of each scalar, and the longest of the date formats.
    private const long MinStringSize = 2;
    private const long MinBoolSize = 4;
    private const long MinNumberSize = 1;
    private const long MinDurationSizeJson = 3;
    private const long MaxDurationSizeJson = 32;
    private const long JsonDateSize = 12;
    private const long MinDatetimeSizeJson = 21;
    private const long MaxDatetimeSizeJson = 32;

    private static readonly HashSet<string> ReservedWords = new(StringComparer.Ordinal)
    {
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while",
    };

    private CelDeclType(CelKind kind) => Kind = kind;

    public CelKind Kind { get; }

    /// <summary>An object's fields by their CEL (escaped) names.</summary>
    public IReadOnlyDictionary<string, CelDeclType> Fields { get; private init; } = new Dictionary<string, CelDeclType>();

    /// <summary>A list's items or a map's values.</summary>
    public CelDeclType? Element { get; private init; }

    /// <summary>A map's keys: strings with no declared bound (DeclType StringType, whose MaxElements is 0).</summary>
    public CelDeclType? Key { get; private init; }

    public long MaxElements { get; private init; }

    public long MinSerializedSize { get; private init; }

    /// <summary>
    /// The type of <paramref name="schema"/>, or null where kube-apiserver exposes nothing to CEL (no type, an array
    /// whose items are not exposed). <paramref name="isResourceRoot"/> adds apiVersion, kind and metadata.name/generateName.
    /// </summary>
    public static CelDeclType? From(JsonObject? schema, bool isResourceRoot)
    {
        if (schema is null)
        {
            return null;
        }

        if (schema.Bool("x-kubernetes-int-or-string") == true)
        {
            return new CelDeclType(CelKind.Dyn) { MinSerializedSize = 1, MaxElements = MaxRequestSizeBytes - 2 };
        }

        if (isResourceRoot)
        {
            schema = WithTypeAndObjectMeta(schema);
        }

        switch (schema.Str("type"))
        {
            case "array":
                var items = schema["items"] as JsonObject;
                if (From(items, items.Bool("x-kubernetes-embedded-resource") == true) is not { } itemType)
                {
                    return null;
                }

                return new CelDeclType(CelKind.List)
                {
                    Element = itemType,
                    MinSerializedSize = 2,
                    MaxElements = Bound(schema, "maxItems") ?? (MaxRequestSizeBytes - 2) / (itemType.MinSerializedSize + 1),
                };
            case "object" when schema["additionalProperties"] is JsonObject additional:
                if (From(additional, additional.Bool("x-kubernetes-embedded-resource") == true) is not { } valueType)
                {
                    return null;
                }

                return new CelDeclType(CelKind.Map)
                {
                    Element = valueType,
                    Key = new CelDeclType(CelKind.String) { MinSerializedSize = MinStringSize },
                    MinSerializedSize = 2,
                    MaxElements = Bound(schema, "maxProperties") ?? (MaxRequestSizeBytes - 2) / (valueType.MinSerializedSize + 6),
                };
            case "object":
                return Object(schema);
            case "string":
                return String(schema);
            case "boolean":
                return new CelDeclType(CelKind.Bool) { MinSerializedSize = MinBoolSize };
            case "number":
                return new CelDeclType(CelKind.Double) { MinSerializedSize = MinNumberSize };
            case "integer":
                return new CelDeclType(CelKind.Int) { MinSerializedSize = MinNumberSize };
            default:
                return null;
        }
    }

    /// <summary>
    /// apiserver pkg/cel Escape: CEL names for property names (reserved words as <c>__word__</c>; <c>__</c>, <c>.</c>,
    /// <c>-</c>, <c>/</c> spelled out); null for names CEL cannot reach.
    /// </summary>
    public static string? Escape(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return null;
        }

        if (ReservedWords.Contains(name))
        {
            return "__" + name + "__";
        }

        var reachable = true;
        var escaped = EscapedSequence().Replace(name, m => m.Value switch
        {
            "__" => "__underscores__",
            "." => "__dot__",
            "-" => "__dash__",
            "/" => "__slash__",
            _ => Unreachable(ref reachable),
        });
        return reachable ? escaped : null;
    }

    private static string Unreachable(ref bool reachable)
    {
        reachable = false;
        return "";
    }

    private static CelDeclType Object(JsonObject schema)
    {
        var required = (schema["required"] as JsonArray ?? []).Select(r => r.Str()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var fields = new Dictionary<string, CelDeclType>(StringComparer.Ordinal);

        // An object is at least {}, plus each required property without a default ("name": value,).
        var minSize = 2L;
        foreach (var (name, property) in schema["properties"] as JsonObject ?? [])
        {
            var propertySchema = property as JsonObject;
            if (From(propertySchema, propertySchema.Bool("x-kubernetes-embedded-resource") == true) is not { } fieldType)
            {
                continue;
            }

            if (Escape(name) is { } celName)
            {
                fields[celName] = fieldType;
            }

            if (required.Contains(name) && propertySchema?["default"] is null)
            {
                minSize += name.Length + fieldType.MinSerializedSize + 4;
            }
        }

        return new CelDeclType(CelKind.Object) { Fields = fields, MinSerializedSize = minSize };
    }

    private static CelDeclType String(JsonObject schema)
    {
        // Without maxLength: the request size less the quotes, except for the formats that bound themselves.
        var formatBound = schema.Str("format") switch
        {
            "duration" => MaxDurationSizeJson,
            "date" => JsonDateSize,
            "date-time" => MaxDatetimeSizeJson,
            _ => MaxRequestSizeBytes - 2,
        };
        return schema.Str("format") switch
        {
            "byte" => new CelDeclType(CelKind.Bytes) { MinSerializedSize = MinStringSize, MaxElements = Bound(schema, "maxLength") ?? formatBound },
            "duration" => new CelDeclType(CelKind.Duration) { MinSerializedSize = MinDurationSizeJson, MaxElements = formatBound },
            "date" => new CelDeclType(CelKind.Timestamp) { MinSerializedSize = JsonDateSize, MaxElements = formatBound },
            "date-time" => new CelDeclType(CelKind.Timestamp) { MinSerializedSize = MinDatetimeSizeJson, MaxElements = formatBound },

            // maxLength counts runes; a rune is up to 4 bytes, and the estimate reasons in bytes. Without it, an enum's
            // longest value bounds the string (estimateMaxStringEnumLength).
            _ => new CelDeclType(CelKind.String) { MinSerializedSize = MinStringSize, MaxElements = Bound(schema, "maxLength") * 4 ?? LongestEnumValue(schema) ?? formatBound },
        };
    }

    private static long? LongestEnumValue(JsonObject schema) =>
        schema["enum"] is JsonArray { Count: > 0 } values
            ? values.Select(v => v.Str() is { } text ? (long)System.Text.Encoding.UTF8.GetByteCount(text) : 0).Max()
            : null;

    /// <summary>A declared maxItems/maxProperties/maxLength, negative ones read as 0.</summary>
    private static long? Bound(JsonObject schema, string keyword) => schema.Long(keyword) is { } value ? Math.Max(0, value) : null;

    /// <summary>model.WithTypeAndObjectMeta: kind, apiVersion and metadata.name/generateName are always visible at a resource root.</summary>
    private static JsonObject WithTypeAndObjectMeta(JsonObject schema)
    {
        var copy = schema.DeepClone().AsObject();
        var properties = copy["properties"] as JsonObject ?? [];
        copy["properties"] = properties;
        var stringType = new JsonObject { ["type"] = "string" };
        properties["kind"] = stringType.DeepClone();
        properties["apiVersion"] = stringType.DeepClone();
        properties["metadata"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["name"] = stringType.DeepClone(), ["generateName"] = stringType.DeepClone() },
        };
        return copy;
    }

    [GeneratedRegex(@"__|[-./]|[^a-zA-Z0-9\-./_]")]
    private static partial Regex EscapedSequence();
}
