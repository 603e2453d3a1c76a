using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;

namespace AgentOperator.Crds.Validation;

/// <summary>One node of a structural OpenAPI v3 schema, parsed once, with its CEL rules compiled.</summary>
internal sealed class SchemaNode
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    /// <summary>object, array, string, integer, number, boolean, or null when the node accepts any type.</summary>
    public string? Type { get; private init; }

    public IReadOnlyDictionary<string, SchemaNode> Properties { get; private init; } = new Dictionary<string, SchemaNode>();

    /// <summary>The schema of map values (<c>additionalProperties: {...}</c>).</summary>
    public SchemaNode? AdditionalProperties { get; private init; }

    /// <summary><c>additionalProperties: true</c>: unknown keys are kept, with no schema.</summary>
    public bool AdditionalPropertiesAllowed { get; private init; }

    public SchemaNode? Items { get; private init; }

    public IReadOnlyList<string> Required { get; private init; } = [];

    public IReadOnlyList<JsonNode?>? Enum { get; private init; }

    public double? Minimum { get; private init; }

    public double? Maximum { get; private init; }

    public bool ExclusiveMinimum { get; private init; }

    public bool ExclusiveMaximum { get; private init; }

    public double? MultipleOf { get; private init; }

    public long? MinLength { get; private init; }

    public long? MaxLength { get; private init; }

    public long? MinItems { get; private init; }

    public long? MaxItems { get; private init; }

    public long? MinProperties { get; private init; }

    public long? MaxProperties { get; private init; }

    public string? Pattern { get; private init; }

    public Regex? PatternRegex { get; private init; }

    public string? Format { get; private init; }

    public JsonNode? Default { get; private init; }

    public bool Nullable { get; private init; }

    public bool PreserveUnknownFields { get; private init; }

    public bool IntOrString { get; private init; }

    public bool EmbeddedResource { get; private init; }

    /// <summary>atomic, set or map (<c>x-kubernetes-list-type</c>).</summary>
    public string? ListType { get; private init; }

    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];

    public IReadOnlyList<SchemaNode> AllOf { get; private init; } = [];

    public IReadOnlyList<SchemaNode> AnyOf { get; private init; } = [];

    public IReadOnlyList<SchemaNode> OneOf { get; private init; } = [];

    public SchemaNode? Not { get; private init; }

    public IReadOnlyList<CelRuleProgram> Rules { get; private init; } = [];

    /// <summary>This node or a node below it has CEL rules; lets the CEL walk skip rule-free subtrees.</summary>
    public bool HasRules { get; private init; }

    /// <summary>Parses <paramref name="json"/>; invalid keywords and CEL compile failures are added to <paramref name="errors"/>.</summary>
    public static SchemaNode Parse(JsonNode? json, string schemaPath, CelEnvironment cel, List<FieldError> errors)
    {
        if (json is not JsonObject o)
        {
            errors.Add(FieldError.Required(schemaPath, "a schema must be an object"));
            return new SchemaNode();
        }

        var properties = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
        if (o["properties"] is JsonObject props)
        {
            foreach (var (name, child) in props)
            {
                properties[name] = Parse(child, $"{schemaPath}.properties[{name}]", cel, errors);
            }
        }

        SchemaNode? additional = null;
        var additionalAllowed = false;
        switch (o["additionalProperties"])
        {
            case JsonObject ap:
                additional = Parse(ap, schemaPath + ".additionalProperties", cel, errors);
                break;
            case JsonValue av when av.GetValueKind() == JsonValueKind.True:
                additionalAllowed = true;
                break;
        }

        var items = o["items"] is JsonObject itemsJson ? Parse(itemsJson, schemaPath + ".items", cel, errors) : null;
        var pattern = String(o, "pattern");
        Regex? regex = null;
        if (pattern is not null)
        {
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, PatternTimeout);
            }
            catch (ArgumentException ex)
            {
                errors.Add(FieldError.Invalid(schemaPath + ".pattern", pattern, $"must be a valid regular expression: {ex.Message}"));
            }
        }

        var rules = ParseRules(o["x-kubernetes-validations"], schemaPath, cel, errors);
        var allOf = ParseList(o["allOf"], schemaPath + ".allOf", cel, errors);
        var anyOf = ParseList(o["anyOf"], schemaPath + ".anyOf", cel, errors);
        var oneOf = ParseList(o["oneOf"], schemaPath + ".oneOf", cel, errors);
        var not = o["not"] is JsonObject notJson ? Parse(notJson, schemaPath + ".not", cel, errors) : null;

        return new SchemaNode
        {
            Type = String(o, "type"),
            Properties = properties,
            AdditionalProperties = additional,
            AdditionalPropertiesAllowed = additionalAllowed,
            Items = items,
            Required = o["required"] is JsonArray req ? [.. req.Select(r => r?.GetValue<string>() ?? "")] : [],
            Enum = o["enum"] is JsonArray e ? [.. e.Select(v => v?.DeepClone())] : null,
            Minimum = Number(o, "minimum"),
            Maximum = Number(o, "maximum"),
            ExclusiveMinimum = Bool(o, "exclusiveMinimum"),
            ExclusiveMaximum = Bool(o, "exclusiveMaximum"),
            MultipleOf = Number(o, "multipleOf"),
            MinLength = Integer(o, "minLength"),
            MaxLength = Integer(o, "maxLength"),
            MinItems = Integer(o, "minItems"),
            MaxItems = Integer(o, "maxItems"),
            MinProperties = Integer(o, "minProperties"),
            MaxProperties = Integer(o, "maxProperties"),
            Pattern = pattern,
            PatternRegex = regex,
            Format = String(o, "format"),
            Default = o["default"]?.DeepClone(),
            Nullable = Bool(o, "nullable"),
            PreserveUnknownFields = Bool(o, "x-kubernetes-preserve-unknown-fields"),
            IntOrString = Bool(o, "x-kubernetes-int-or-string"),
            EmbeddedResource = Bool(o, "x-kubernetes-embedded-resource"),
            ListType = String(o, "x-kubernetes-list-type"),
            ListMapKeys = o["x-kubernetes-list-map-keys"] is JsonArray keys ? [.. keys.Select(k => k?.GetValue<string>() ?? "")] : [],
            AllOf = allOf,
            AnyOf = anyOf,
            OneOf = oneOf,
            Not = not,
            Rules = rules,
            HasRules = rules.Count > 0
                || properties.Values.Any(p => p.HasRules)
                || additional?.HasRules == true
                || items?.HasRules == true
                || allOf.Any(a => a.HasRules),
        };
    }

    private static List<SchemaNode> ParseList(JsonNode? json, string schemaPath, CelEnvironment cel, List<FieldError> errors) =>
        json is JsonArray a ? [.. a.Select((s, i) => Parse(s, $"{schemaPath}[{i}]", cel, errors))] : [];

    private static List<CelRuleProgram> ParseRules(JsonNode? json, string schemaPath, CelEnvironment cel, List<FieldError> errors)
    {
        var rules = new List<CelRuleProgram>();
        if (json is not JsonArray list)
        {
            return rules;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var rulePath = $"{schemaPath}.x-kubernetes-validations[{i}]";
            if (list[i] is not JsonObject entry || String(entry, "rule") is not { } rule || rule.Trim().Length == 0)
            {
                errors.Add(FieldError.Required(rulePath + ".rule", "rule is not specified"));
                continue;
            }

            try
            {
                rules.Add(CelRuleProgram.Compile(
                    cel, rule, String(entry, "message"), String(entry, "messageExpression"), String(entry, "fieldPath"),
                    String(entry, "reason"), Bool(entry, "optionalOldSelf")));
            }
            catch (CelException ex)
            {
                errors.Add(FieldError.Invalid(rulePath + ".rule", rule, $"compilation failed: {ex.Message}"));
            }
        }

        return rules;
    }

    private static string? String(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool Bool(JsonObject o, string key) => o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static double? Number(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? JsonValues.ToDouble(v) : null;

    private static long? Integer(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? long.Parse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : null;
}
