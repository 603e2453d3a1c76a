using System.Text.Json.Nodes;
using AgentOperator.Policy.Bundles;

namespace AgentOperator.Policy.Rules.Checking;

/// <summary>
/// The variables a rule's condition may use, typed: <c>input</c> from the tool's merged JSON Schema (untyped for a
/// rule on every tool), <c>run</c>, <c>tool</c>, <c>models</c> and <c>request</c> as <see cref="RuleActivation"/> builds them.
/// </summary>
public sealed class CelDeclarations
{
    private static readonly CelType RunType = CelType.Object(new Dictionary<string, CelType>(StringComparer.Ordinal)
    {
        ["id"] = CelType.String,
        ["task"] = CelType.String,
        ["steps"] = CelType.Int,
        ["toolCalls"] = CelType.Int,
        ["tokens"] = CelType.Int,
        ["costUsd"] = CelType.Double,
        ["elapsedSeconds"] = CelType.Double,
    }, closed: true);

    private static readonly CelType ToolType = CelType.Object(new Dictionary<string, CelType>(StringComparer.Ordinal)
    {
        ["name"] = CelType.String,
        ["action"] = CelType.String,
        ["riskTier"] = CelType.Int,
    }, closed: true);

    private static readonly CelType ModelType = CelType.Object(new Dictionary<string, CelType>(StringComparer.Ordinal)
    {
        ["provider"] = CelType.String,
        ["model"] = CelType.String,
        ["maxTokensPerCall"] = CelType.Int,
    }, closed: true);

    private static readonly CelType RequestType = CelType.Object(new Dictionary<string, CelType>(StringComparer.Ordinal)
    {
        ["intent"] = CelType.String,
        ["reason"] = CelType.String,
    }, closed: true);

    private CelDeclarations(IReadOnlyDictionary<string, CelType> variables) => Variables = variables;

    internal IReadOnlyDictionary<string, CelType> Variables { get; }

    /// <summary>The declared variable names, for hints.</summary>
    public IEnumerable<string> Names => Variables.Keys;

    /// <summary>Declarations for a rule on <paramref name="tool"/> (null: a rule on every tool, whose input is untyped).</summary>
    public static CelDeclarations For(BundleTool? tool, IEnumerable<string> modelRoles)
    {
        ArgumentNullException.ThrowIfNull(modelRoles);
        // Open: a role the workflow does not declare is reported by the compiler's own model-role check.
        var models = new CelType(CelTypeKind.Map, modelRoles.ToDictionary(r => r, _ => ModelType, StringComparer.Ordinal), Closed: false, Element: ModelType);
        return new CelDeclarations(new Dictionary<string, CelType>(StringComparer.Ordinal)
        {
            ["input"] = tool?.InputSchema is { } schema ? FromSchema(schema) : CelType.Dyn,
            ["run"] = RunType,
            ["tool"] = ToolType,
            ["models"] = models,
            ["request"] = RequestType,
        });
    }

    /// <summary>The CEL type of values a JSON Schema accepts, as far as it says; anything it leaves open is dyn.</summary>
    internal static CelType FromSchema(JsonNode? schema)
    {
        if (schema is not JsonObject node)
        {
            return CelType.Dyn;
        }

        var type = node["type"] is JsonValue value && value.TryGetValue<string>(out var named) ? named : null;
        var parts = new List<JsonObject> { node };
        parts.AddRange((node["allOf"] as JsonArray ?? []).OfType<JsonObject>());
        if (type is null)
        {
            type = parts.Select(p => p["type"] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null).FirstOrDefault(t => t is not null);
        }

        switch (type)
        {
            case "string":
                return CelType.String;
            case "integer":
                return CelType.Int;
            case "number":
                return CelType.Double;
            case "boolean":
                return CelType.Bool;
            case "null":
                return CelType.Null;
            case "array":
                return CelType.List(FromSchema(parts.Select(p => p["items"]).FirstOrDefault(i => i is not null)));
            case "object":
                var fields = new Dictionary<string, CelType>(StringComparer.Ordinal);
                foreach (var part in parts)
                {
                    foreach (var (name, property) in part["properties"] as JsonObject ?? [])
                    {
                        var typed = FromSchema(property);
                        if (!fields.TryGetValue(name, out var known) || known.Kind == CelTypeKind.Dyn)
                        {
                            fields[name] = typed;
                        }
                    }
                }

                // Closed only when a part both forbids other members and names none through patterns or unevaluated keywords.
                var closed = parts.Any(p => p["additionalProperties"] is JsonValue a && a.TryGetValue<bool>(out var allowed) && !allowed && p["patternProperties"] is null)
                    && !parts.Any(p => p["patternProperties"] is not null);
                return CelType.Object(fields, closed);
            default:
                return CelType.Dyn;
        }
    }
}
