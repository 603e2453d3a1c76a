using System.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentOperator.Policy.Schemas;

/// <summary>
/// A validity check compiled once from a schema that uses only common keywords (type, properties, required,
/// additionalProperties, min/maxLength, pattern, enum, const, minimum, maximum and their exclusive forms,
/// items, min/maxItems, allOf, annotations). It answers true only when the input is certainly valid under
/// JsonSchema.Net's semantics, reading the input in place; false means "not certain", and the library
/// decides (and explains). A schema with any other keyword gets no check.
/// </summary>
internal static class ValidInputCheck
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$comment", "default", "examples", "readOnly", "writeOnly", "deprecated",
    };

    private static readonly HashSet<string> KnownDialects = new(StringComparer.Ordinal)
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
    };

    /// <summary>The check, or null with the keyword that keeps the schema on the library alone.</summary>
    public static Func<JsonElement, bool>? TryCompile(JsonElement schema, out string? unsupported)
    {
        try
        {
            unsupported = null;
            return Compile(schema, root: true);
        }
        catch (NotSupportedException exception)
        {
            unsupported = exception.Message;
            return null;
        }
    }

    private static Func<JsonElement, bool> Compile(JsonElement schema, bool root = false)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return static _ => true;
            case JsonValueKind.False:
                return static _ => false;
            case JsonValueKind.Object:
                break;
            default:
                throw new NotSupportedException("a schema that is neither an object nor a boolean");
        }

        var checks = new List<Func<JsonElement, bool>>();
        JsonElement? properties = null;
        JsonElement? additional = null;
        foreach (var keyword in schema.EnumerateObject())
        {
            var value = keyword.Value;
            switch (keyword.Name)
            {
                case "$schema" when root && value.ValueKind == JsonValueKind.String && KnownDialects.Contains(value.GetString()!):
                    break;
                case var name when Annotations.Contains(name):
                    break;
                case "type":
                    checks.Add(Type(value));
                    break;
                case "properties" when value.ValueKind == JsonValueKind.Object:
                    properties = value;
                    break;
                case "additionalProperties":
                    additional = value;
                    break;
                case "required" when value.ValueKind == JsonValueKind.Array:
                    checks.Add(Required([.. value.EnumerateArray().Select(n => n.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(n.GetString()!) : throw new NotSupportedException("a non-string required entry"))]));
                    break;
                case "maxLength":
                    checks.Add(MaxLength(Count(value)));
                    break;
                case "minLength":
                    checks.Add(MinLength(Count(value)));
                    break;
                case "pattern" when value.ValueKind == JsonValueKind.String:
                    checks.Add(Pattern(value.GetString()!));
                    break;
                case "enum" when value.ValueKind == JsonValueKind.Array:
                    checks.Add(AnyOf([.. value.EnumerateArray().Select(v => v.Clone())]));
                    break;
                case "const":
                    checks.Add(AnyOf([value.Clone()]));
                    break;
                case "minimum":
                    checks.Add(Bound(value, static (instance, limit) => instance >= limit));
                    break;
                case "maximum":
                    checks.Add(Bound(value, static (instance, limit) => instance <= limit));
                    break;
                case "exclusiveMinimum":
                    checks.Add(Bound(value, static (instance, limit) => instance > limit));
                    break;
                case "exclusiveMaximum":
                    checks.Add(Bound(value, static (instance, limit) => instance < limit));
                    break;
                case "items" when value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False:
                    var item = Compile(value);
                    checks.Add(instance => instance.ValueKind != JsonValueKind.Array || instance.EnumerateArray().All(item));
                    break;
                case "minItems":
                    var minItems = Count(value);
                    checks.Add(instance => instance.ValueKind != JsonValueKind.Array || instance.GetArrayLength() >= minItems);
                    break;
                case "maxItems":
                    var maxItems = Count(value);
                    checks.Add(instance => instance.ValueKind != JsonValueKind.Array || instance.GetArrayLength() <= maxItems);
                    break;
                case "allOf" when value.ValueKind == JsonValueKind.Array:
                    checks.AddRange(value.EnumerateArray().Select(sub => Compile(sub)));
                    break;
                default:
                    throw new NotSupportedException($"the keyword '{keyword.Name}'");
            }
        }

        if (properties is not null || additional is not null)
        {
            checks.Add(Properties(properties, additional));
        }

        var all = checks.ToArray();
        return instance =>
        {
            foreach (var check in all)
            {
                if (!check(instance))
                {
                    return false;
                }
            }

            return true;
        };
    }

    private static Func<JsonElement, bool> Type(JsonElement value)
    {
        var names = value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Select(n => n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new NotSupportedException("a non-string type")).ToArray(),
            _ => throw new NotSupportedException("a type that is neither a string nor an array"),
        };
        foreach (var name in names)
        {
            if (name is not ("object" or "array" or "string" or "number" or "integer" or "boolean" or "null"))
            {
                throw new NotSupportedException($"the type '{name}'");
            }
        }

        return instance => instance.ValueKind switch
        {
            JsonValueKind.Object => names.Contains("object"),
            JsonValueKind.Array => names.Contains("array"),
            JsonValueKind.String => names.Contains("string"),
            JsonValueKind.True or JsonValueKind.False => names.Contains("boolean"),
            JsonValueKind.Null => names.Contains("null"),
            // An integer is a number without a fractional part, however it is spelt (1.0 and 1e2 are integers).
            JsonValueKind.Number => names.Contains("number") || (names.Contains("integer") && instance.TryGetDecimal(out var number) && number == decimal.Truncate(number)),
            _ => false,
        };
    }

    private static Func<JsonElement, bool> Required(byte[][] names) => instance =>
    {
        if (instance.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        foreach (var name in names)
        {
            if (!instance.TryGetProperty(name, out _))
            {
                return false;
            }
        }

        return true;
    };

    private static Func<JsonElement, bool> Properties(JsonElement? properties, JsonElement? additional)
    {
        var named = properties?.EnumerateObject().Select(p => (Name: Encoding.UTF8.GetBytes(p.Name), Check: Compile(p.Value))).ToArray() ?? [];
        var others = additional is { } schema ? Compile(schema) : null;
        return instance =>
        {
            if (instance.ValueKind != JsonValueKind.Object)
            {
                return true;
            }

            // Every occurrence is checked, so an input repeating a key is valid here only if each copy is.
            foreach (var property in instance.EnumerateObject())
            {
                var check = others;
                foreach (var (name, forName) in named)
                {
                    if (property.NameEquals(name))
                    {
                        check = forName;
                        break;
                    }
                }

                if (check is not null && !check(property.Value))
                {
                    return false;
                }
            }

            return true;
        };
    }

    private static Func<JsonElement, bool> MaxLength(long max) => instance =>
    {
        if (instance.ValueKind != JsonValueKind.String)
        {
            return true;
        }

        // The library counts text elements, never more than UTF-16 code units: within the limit in code units
        // is certainly within it.
        return Utf16Length(instance, out _) <= max;
    };

    private static Func<JsonElement, bool> MinLength(long min) => instance =>
    {
        if (instance.ValueKind != JsonValueKind.String)
        {
            return true;
        }

        // Unescaped ASCII (JSON forbids raw control characters) is one text element per character; otherwise
        // only "non-empty" is certain.
        var length = Utf16Length(instance, out var plainAscii);
        return plainAscii ? length >= min : min <= 1 && length > 0;
    };

    /// <summary>The string's length in UTF-16 code units, from the raw bytes when nothing is escaped (no string is allocated).</summary>
    private static int Utf16Length(JsonElement instance, out bool plainAscii)
    {
        var raw = JsonMarshal.GetRawUtf8Value(instance);
        var text = raw[1..^1];
        if (text.IndexOf((byte)'\\') < 0)
        {
            plainAscii = Ascii.IsValid(text);
            return plainAscii ? text.Length : Encoding.UTF8.GetCharCount(text);
        }

        plainAscii = false;
        return instance.GetString()!.Length;
    }

    private static Func<JsonElement, bool> Pattern(string pattern)
    {
        Regex regex;
        try
        {
            // Already translated to ECMA-262 meaning (EcmaPattern); the option matches how JsonSchema.Net builds patterns.
            regex = new Regex(pattern, RegexOptions.ECMAScript);
        }
        catch (ArgumentException)
        {
            throw new NotSupportedException($"the pattern '{pattern}'");
        }

        return instance => instance.ValueKind != JsonValueKind.String || regex.IsMatch(instance.GetString()!);
    }

    private static Func<JsonElement, bool> AnyOf(JsonElement[] allowed) => instance =>
    {
        foreach (var value in allowed)
        {
            if (JsonElement.DeepEquals(instance, value))
            {
                return true;
            }
        }

        return false;
    };

    private static Func<JsonElement, bool> Bound(JsonElement value, Func<decimal, decimal, bool> holds)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var limit))
        {
            throw new NotSupportedException("a bound that is not a decimal number");
        }

        return instance => instance.ValueKind != JsonValueKind.Number || (instance.TryGetDecimal(out var number) && holds(number, limit));
    }

    private static long Count(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count >= 0 ? count : throw new NotSupportedException("a count that is not a non-negative integer");
}
