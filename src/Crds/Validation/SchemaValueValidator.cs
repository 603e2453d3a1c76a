using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// The OpenAPI part of validation (types, required, enum, bounds, patterns, formats, list invariants), with the
/// messages kube-apiserver produces from kube-openapi's errors: "&lt;path&gt; in body should ...".
/// </summary>
internal static class SchemaValueValidator
{
    public static void Validate(JsonNode? node, SchemaNode schema, string path, bool isResourceRoot, List<FieldError> errors)
    {
        if (JsonValues.IsNull(node))
        {
            if (!schema.Nullable && schema.Type is not null)
            {
                errors.Add(FieldError.TypeInvalid(FieldPath.Display(path), "null", $"{InBody(path)} must be of type {schema.Type}: \"null\""));
            }

            return;
        }

        if (!CheckType(node!, schema, path, errors))
        {
            return;
        }

        CheckEnum(node!, schema, path, errors);
        CheckCombinators(node!, schema, path, errors);
        switch (node)
        {
            case JsonObject o:
                CheckObject(o, schema, path, isResourceRoot || schema.EmbeddedResource, errors);
                break;
            case JsonArray a:
                CheckArray(a, schema, path, errors);
                break;
            case JsonValue v:
                CheckScalar(v, schema, path, errors);
                break;
        }
    }

    private static string InBody(string path) => $"{FieldPath.Display(path)} in body";

    private static bool CheckType(JsonNode node, SchemaNode schema, string path, List<FieldError> errors)
    {
        var actual = JsonValues.TypeName(node);
        var ok = schema switch
        {
            { IntOrString: true } => actual is "integer" or "string",
            { Type: null } => true,
            { Type: "number" } => actual is "number" or "integer",
            { Type: var t } => t == actual,
        };
        if (!ok)
        {
            var expected = schema.IntOrString ? "integer,string" : schema.Type;
            errors.Add(FieldError.TypeInvalid(FieldPath.Display(path), actual, $"{InBody(path)} must be of type {expected}: \"{actual}\""));
        }

        return ok;
    }

    private static void CheckEnum(JsonNode node, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.Enum is null || schema.Enum.Any(e => JsonNode.DeepEquals(e, node)))
        {
            return;
        }

        errors.Add(FieldError.NotSupported(FieldPath.Display(path), FieldError.ValueOf(node), schema.Enum.Select(GoFormat.EnumMember)));
    }

    // Value validations in allOf/anyOf/oneOf/not; structural schemas keep types out of them, so only the verdict matters.
    private static void CheckCombinators(JsonNode node, SchemaNode schema, string path, List<FieldError> errors)
    {
        foreach (var sub in schema.AllOf)
        {
            Validate(node, sub, path, isResourceRoot: false, errors);
        }

        if (schema.AnyOf.Count > 0 && !schema.AnyOf.Any(s => Passes(node, s, path)))
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), FieldError.ValueOf(node), $"{InBody(path)} must validate at least one schema (anyOf)"));
        }

        if (schema.OneOf.Count > 0 && schema.OneOf.Count(s => Passes(node, s, path)) != 1)
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), FieldError.ValueOf(node), $"{InBody(path)} must validate one and only one schema (oneOf)"));
        }

        if (schema.Not is not null && Passes(node, schema.Not, path))
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), FieldError.ValueOf(node), $"{InBody(path)} must not validate the schema (not)"));
        }
    }

    private static bool Passes(JsonNode node, SchemaNode schema, string path)
    {
        var probe = new List<FieldError>();
        Validate(node, schema, path, isResourceRoot: false, probe);
        return probe.Count == 0;
    }

    private static void CheckObject(JsonObject o, SchemaNode schema, string path, bool isResourceRoot, List<FieldError> errors)
    {
        foreach (var name in schema.Required)
        {
            if (!o.ContainsKey(name))
            {
                errors.Add(FieldError.Required(FieldPath.Child(path, name)));
            }
        }

        if (schema.MaxProperties is { } maxProps && o.Count > maxProps)
        {
            errors.Add(FieldError.TooMany(FieldPath.Display(path), o.Count, maxProps));
        }

        if (schema.MinProperties is { } minProps && o.Count < minProps)
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), (long)o.Count, $"{InBody(path)} should have at least {minProps} properties"));
        }

        foreach (var (name, value) in o)
        {
            // ObjectMeta, apiVersion and kind of a resource are validated by the API machinery, not by the CRD schema.
            if (isResourceRoot && name is "metadata" or "apiVersion" or "kind")
            {
                continue;
            }

            var child = schema.Properties.GetValueOrDefault(name) ?? schema.AdditionalProperties;
            if (child is not null)
            {
                Validate(value, child, FieldPath.Child(path, name), isResourceRoot: false, errors);
            }
        }
    }

    private static void CheckArray(JsonArray a, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.MaxItems is { } max && a.Count > max)
        {
            errors.Add(FieldError.TooMany(FieldPath.Display(path), a.Count, max));
        }

        if (schema.MinItems is { } min && a.Count < min)
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), (long)a.Count, $"{InBody(path)} should have at least {min} items"));
        }

        if (schema.Items is not null)
        {
            for (var i = 0; i < a.Count; i++)
            {
                Validate(a[i], schema.Items, FieldPath.Index(path, i), isResourceRoot: false, errors);
            }
        }

        CheckListType(a, schema, path, errors);
    }

    // x-kubernetes-list-type: set items and map keys must be unique (structurallisttype.ValidateListSetsAndMaps).
    private static void CheckListType(JsonArray a, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.ListType is not ("set" or "map"))
        {
            return;
        }

        for (var i = 0; i < a.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (schema.ListType == "set" ? JsonNode.DeepEquals(a[i], a[j]) : SameMapKeys(a[i], a[j], schema.ListMapKeys))
                {
                    var value = schema.ListType == "set" ? FieldError.ValueOf(a[i]) : KeysOf(a[i], schema.ListMapKeys);
                    errors.Add(FieldError.Duplicate(FieldPath.Index(path, i), value));
                    break;
                }
            }
        }
    }

    private static bool SameMapKeys(JsonNode? x, JsonNode? y, IReadOnlyList<string> keys) =>
        x is JsonObject a && y is JsonObject b && keys.All(k => JsonNode.DeepEquals(a[k], b[k]));

    private static JsonObject KeysOf(JsonNode? item, IReadOnlyList<string> keys)
    {
        var result = new JsonObject();
        foreach (var k in keys)
        {
            if (item is JsonObject o && o.TryGetPropertyValue(k, out var v))
            {
                result[k] = v?.DeepClone();
            }
        }

        return result;
    }

    private static void CheckScalar(JsonValue v, SchemaNode schema, string path, List<FieldError> errors)
    {
        switch (JsonValues.TypeName(v))
        {
            case "integer" or "number":
                CheckNumber(v, schema, path, errors);
                break;
            case "string":
                CheckString(v.GetValue<string>(), schema, path, errors);
                break;
        }
    }

    private static void CheckNumber(JsonValue v, SchemaNode schema, string path, List<FieldError> errors)
    {
        var value = JsonValues.ToDouble(v);
        var shown = FieldError.ValueOf(v);
        if (schema.Minimum is { } min && (schema.ExclusiveMinimum ? value <= min : value < min))
        {
            var relation = schema.ExclusiveMinimum ? "greater than" : "greater than or equal to";
            errors.Add(FieldError.Invalid(FieldPath.Display(path), shown, $"{InBody(path)} should be {relation} {GoFormat.Float(min)}"));
        }

        if (schema.Maximum is { } max && (schema.ExclusiveMaximum ? value >= max : value > max))
        {
            var relation = schema.ExclusiveMaximum ? "less than" : "less than or equal to";
            errors.Add(FieldError.Invalid(FieldPath.Display(path), shown, $"{InBody(path)} should be {relation} {GoFormat.Float(max)}"));
        }

        if (schema.MultipleOf is { } factor && factor != 0 && Math.Abs(Math.IEEERemainder(value, factor)) > 1e-9)
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), shown, $"{InBody(path)} should be a multiple of {GoFormat.Float(factor)}"));
        }
    }

    private static void CheckString(string value, SchemaNode schema, string path, List<FieldError> errors)
    {
        // kube-openapi counts characters (runes), not UTF-16 code units.
        var length = value.EnumerateRunes().Count();
        if (schema.MaxLength is { } max && length > max)
        {
            errors.Add(FieldError.TooLong(FieldPath.Display(path), max));
        }

        if (schema.MinLength is { } min && length < min)
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), value, $"{InBody(path)} should be at least {min.ToString(CultureInfo.InvariantCulture)} chars long"));
        }

        if (schema.PatternRegex is { } regex && !regex.IsMatch(value))
        {
            errors.Add(FieldError.Invalid(FieldPath.Display(path), value, $"{InBody(path)} should match '{schema.Pattern}'"));
        }

        if (schema.Format is { } format && !StringFormats.IsValid(format, value))
        {
            errors.Add(FieldError.TypeInvalid(FieldPath.Display(path), value, $"{InBody(path)} must be of type {format}: {GoFormat.Quote(value)}"));
        }
    }
}
