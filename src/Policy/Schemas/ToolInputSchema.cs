using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Policy.Decisions;
using Json.Schema;

namespace AgentOperator.Policy.Schemas;

/// <summary>A tool's input schema, built once per bundle and evaluated per call.</summary>
public sealed class ToolInputSchema
{
    // Valid inputs are the common case: a pass/fail evaluation allocates far less than the detailed one,
    // which runs only when there are errors to report.
    private static readonly EvaluationOptions PassFail = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions Detailed = new() { OutputFormat = OutputFormat.List };
    private readonly JsonSchema _schema;
    private readonly Func<JsonElement, bool>? _certainlyValid;

    private ToolInputSchema(JsonSchema schema, Func<JsonElement, bool>? certainlyValid, string? notCompiledBecause)
    {
        _schema = schema;
        _certainlyValid = certainlyValid;
        NotCompiledBecause = notCompiledBecause;
    }

    /// <summary>True when valid inputs are confirmed by a compiled check, without the library (see <see cref="ValidInputCheck"/>).</summary>
    public bool IsCompiled => _certainlyValid is not null;

    /// <summary>The keyword that keeps every input on the library; null when compiled.</summary>
    public string? NotCompiledBecause { get; }

    /// <summary>
    /// Combines a registry schema with a workflow's constraints. Both must hold (an <c>allOf</c>), so a
    /// constraint can only tighten what the registry accepts, never loosen it. The registry schema stays the
    /// root (its <c>type</c>, <c>properties</c>, <c>$defs</c> and local <c>$ref</c>s keep their meaning, and
    /// MCP clients see a top-level <c>type: object</c>); the constraints join its <c>allOf</c>. A root that
    /// uses <c>unevaluatedProperties</c>/<c>unevaluatedItems</c> would see the constraints' properties as
    /// evaluated, so it is nested instead, with its <c>type</c> repeated at the top.
    /// </summary>
    public static JsonObject? Merge(JsonObject? toolSchema, JsonObject? constraints)
    {
        if (constraints is null || constraints.Count == 0)
        {
            return toolSchema?.DeepClone().AsObject();
        }

        if (toolSchema is null)
        {
            return constraints.DeepClone().AsObject();
        }

        if (!toolSchema.ContainsKey("unevaluatedProperties") && !toolSchema.ContainsKey("unevaluatedItems")
            && toolSchema["allOf"] is null or JsonArray)
        {
            var hoisted = toolSchema.DeepClone().AsObject();
            if (hoisted["allOf"] is not JsonArray allOf)
            {
                allOf = [];
                hoisted["allOf"] = allOf;
            }

            allOf.Add(WithoutDialect(constraints));
            return hoisted;
        }

        var merged = new JsonObject();
        if (toolSchema["$schema"] is { } dialect)
        {
            merged["$schema"] = dialect.DeepClone();
        }

        if (toolSchema["type"] is { } type)
        {
            merged["type"] = type.DeepClone();
        }

        merged["allOf"] = new JsonArray(WithoutDialect(toolSchema), WithoutDialect(constraints));
        return merged;
    }

    /// <summary>Builds a schema; on failure <paramref name="error"/> says why it is not a valid JSON Schema.</summary>
    public static bool TryBuild(JsonObject schema, [NotNullWhen(true)] out ToolInputSchema? built, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(schema);
        built = null;
        try
        {
            // Patterns get ECMA-262 meaning, for the library and the compiled check alike.
            var translated = schema.DeepClone();
            EcmaPattern.TranslateSchema(translated);
            using var document = JsonDocument.Parse(translated.ToJsonString());
            // A private registry per schema: bundles are reloaded and two tools may reuse an $id.
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            var root = document.RootElement.Clone();
            var library = JsonSchema.Build(root, options);
            built = new ToolInputSchema(library, ValidInputCheck.TryCompile(root, out var notCompiledBecause), notCompiledBecause);
            error = null;
            return true;
        }
#pragma warning disable CA1031 // JsonSchema.Net reports invalid schemas with several exception types
        catch (Exception exception)
#pragma warning restore CA1031
        {
            error = exception.Message;
            return false;
        }
    }

    /// <summary>Validates an input; returns its errors as JSON pointers and messages, empty when valid.</summary>
    public IReadOnlyList<PointerError> Validate(JsonElement input)
    {
        if (IsConfirmedValid(input))
        {
            return [];
        }

        try
        {
            return Evaluate(input);
        }
        catch (Exception exception) when (exception is FormatException or OverflowException)
        {
            // JsonSchema.Net compares numbers as decimals (const, enum) and throws on one beyond their range:
            // the input cannot be shown valid, so it is refused at those numbers.
            var errors = new List<PointerError>();
            CollectBeyondDecimal(input, "", errors);
            return errors.Count > 0 ? errors : [new PointerError("", "the input could not be checked against the tool's input schema")];
        }
    }

    private List<PointerError> Evaluate(JsonElement input)
    {
        if (_schema.Evaluate(input, PassFail).IsValid)
        {
            return [];
        }

        var results = _schema.Evaluate(input, Detailed);

        var errors = new List<PointerError>();
        Collect(results, errors);
        if (errors.Count == 0)
        {
            errors.Add(new PointerError("", "the input does not match the tool's input schema"));
        }

        return errors;
    }

    /// <summary>
    /// True when the compiled check confirms the input is valid (allocation-free for the common keywords);
    /// false when it cannot, and the library must decide.
    /// </summary>
    public bool IsConfirmedValid(JsonElement input) => _certainlyValid?.Invoke(input) == true;

    private static void Collect(EvaluationResults results, List<PointerError> errors)
    {
        if (results.Errors is { Count: > 0 })
        {
            var pointer = results.InstanceLocation.ToString();
            foreach (var (_, message) in results.Errors)
            {
                var error = new PointerError(pointer, message);
                if (!errors.Contains(error))
                {
                    errors.Add(error);
                }
            }
        }

        if (results.Details is { } details)
        {
            foreach (var detail in details)
            {
                Collect(detail, errors);
            }
        }
    }

    private static void CollectBeyondDecimal(JsonElement element, string pointer, List<PointerError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    CollectBeyondDecimal(property.Value, pointer + "/" + property.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal), errors);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CollectBeyondDecimal(item, pointer + "/" + index++.ToString(System.Globalization.CultureInfo.InvariantCulture), errors);
                }

                break;
            case JsonValueKind.Number when !element.TryGetDecimal(out _):
                errors.Add(new PointerError(pointer, "the number is beyond the range the schema's values can be compared in (±7.9e28)"));
                break;
        }
    }

    private static JsonObject WithoutDialect(JsonObject schema)
    {
        var copy = schema.DeepClone().AsObject();
        copy.Remove("$schema");
        return copy;
    }
}
