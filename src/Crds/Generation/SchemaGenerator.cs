using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;
using k8s.Models;

namespace AgentOperator.Crds.Generation;

/// <summary>
/// Turns a C# type into a structural OpenAPI v3 schema node: JSON names in camelCase (explicit
/// <see cref="JsonPropertyNameAttribute"/> wins), properties in declaration order, the schema attributes of
/// <see cref="AgentOperator.Crds.Schema"/> as keywords, and XML summaries as descriptions.
/// </summary>
public sealed class SchemaGenerator(XmlDocumentation documentation)
{
    private const int MaxDepth = 32;

    /// <summary>The schema of an object type (its properties, required list, type-level CEL rules and description).</summary>
    public JsonObject ForType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Build(type, property: null, depth: 0);
    }

    /// <summary>The schema of one property: its type's schema plus the property's attributes and description.</summary>
    public JsonObject ForProperty(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return Build(property.PropertyType, property, depth: 0);
    }

    /// <summary>The JSON name of a property: <see cref="JsonPropertyNameAttribute"/> if present, else camelCase (GatewayAPI → gatewayAPI).</summary>
    public static string JsonName(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
    }

    /// <summary>Public instance properties that serialize, in declaration order (metadata token order is stable across builds).</summary>
    public static IEnumerable<PropertyInfo> SerializedProperties(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .OrderBy(p => p.MetadataToken);
    }

    private JsonObject Build(Type type, PropertyInfo? property, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"schema of {type} nests deeper than {MaxDepth} levels; recursive types cannot be structural");
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        var node = new JsonObject();
        // Root metadata may say nothing but its type: kube-apiserver refuses a description there too
        // (validateStructuralMetadataInvariants compares everything but type, name and generateName).
        var description = type == typeof(V1ObjectMeta) ? null : (property is null ? null : documentation.Summary(property)) ?? documentation.Summary(type);
        if (description is { Length: > 0 })
        {
            node["description"] = description;
        }

        AddTypeKeywords(node, type, property, depth);
        if (property is not null)
        {
            AddPropertyKeywords(node, property, type);
        }

        AddRules(node, type, property);
        return node;
    }

    private void AddTypeKeywords(JsonObject node, Type type, PropertyInfo? property, int depth)
    {
        var preserveUnknown = property?.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null;
        switch (type)
        {
            case var t when t == typeof(string):
                node["type"] = "string";
                break;
            case var t when t == typeof(bool):
                node["type"] = "boolean";
                break;
            case var t when t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(ushort):
                node["type"] = "integer";
                node["format"] = "int32";
                break;
            case var t when t == typeof(long) || t == typeof(uint):
                node["type"] = "integer";
                node["format"] = "int64";
                break;
            case var t when t == typeof(double) || t == typeof(float) || t == typeof(decimal):
                node["type"] = "number";
                break;
            case var t when t == typeof(DateTimeOffset) || t == typeof(DateTime):
                node["type"] = "string";
                node["format"] = "date-time";
                break;
            case { IsEnum: true }:
                node["type"] = "string";
                node["enum"] = new JsonArray([.. EnumValues(type).Select(v => (JsonNode)v)]);
                break;
            case var t when t == typeof(V1ObjectMeta):
                // kube-apiserver validates ObjectMeta itself; a CRD schema may only say it is an object.
                node["type"] = "object";
                break;
            case var t when t == typeof(JsonObject):
                node["type"] = "object";
                if (preserveUnknown)
                {
                    node["x-kubernetes-preserve-unknown-fields"] = true;
                }

                break;
            case var t when t == typeof(JsonNode) || t == typeof(JsonElement) || t == typeof(object):
                // Any JSON value: structural schemas allow an untyped node only with preserve-unknown-fields.
                node["x-kubernetes-preserve-unknown-fields"] = true;
                break;
            case var t when DictionaryValueType(t) is { } valueType:
                node["type"] = "object";
                node["additionalProperties"] = Build(valueType, property: null, depth + 1);
                break;
            case var t when ListItemType(t) is { } itemType:
                node["type"] = "array";
                node["items"] = Build(itemType, property: null, depth + 1);
                break;
            case { IsClass: true } or { IsValueType: true, IsPrimitive: false }:
                AddObjectKeywords(node, type, depth);
                if (preserveUnknown)
                {
                    node["x-kubernetes-preserve-unknown-fields"] = true;
                }

                break;
            default:
                throw new NotSupportedException($"no OpenAPI mapping for {type}");
        }
    }

    private void AddObjectKeywords(JsonObject node, Type type, int depth)
    {
        node["type"] = "object";
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in SerializedProperties(type))
        {
            var name = JsonName(property);
            properties[name] = Build(property.PropertyType, property, depth + 1);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        if (required.Count > 0)
        {
            node["required"] = required;
        }

        node["properties"] = properties;
    }

    private static void AddPropertyKeywords(JsonObject node, PropertyInfo property, Type type)
    {
        if (property.GetCustomAttribute<FormatAttribute>() is { } format)
        {
            node["format"] = format.Format;
        }

        if (property.GetCustomAttribute<DefaultAttribute>() is { } @default)
        {
            node["default"] = DefaultValue(@default.Value, type, property);
        }

        if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            node["minimum"] = Number(minimum.Value);
            if (minimum.Exclusive)
            {
                node["exclusiveMinimum"] = true;
            }
        }

        if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            node["maximum"] = Number(maximum.Value);
            if (maximum.Exclusive)
            {
                node["exclusiveMaximum"] = true;
            }
        }

        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            SetBound(node, "minLength", length.Min);
            SetBound(node, "maxLength", length.Max);
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            node["pattern"] = pattern.Regex;
        }

        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            var isMap = DictionaryValueType(type) is not null;
            SetBound(node, isMap ? "minProperties" : "minItems", items.Min);
            SetBound(node, isMap ? "maxProperties" : "maxItems", items.Max);
        }
    }

    // Type-level rules first (they describe the type wherever it is used), then the property's own rules.
    private static void AddRules(JsonObject node, Type type, PropertyInfo? property)
    {
        var rules = type.GetCustomAttributes<CelRuleAttribute>(inherit: false)
            .Concat(property?.GetCustomAttributes<CelRuleAttribute>(inherit: false) ?? [])
            .ToList();
        if (rules.Count == 0)
        {
            return;
        }

        var list = new JsonArray();
        foreach (var rule in rules)
        {
            var entry = new JsonObject { ["rule"] = rule.Rule };
            if (rule.Message is not null)
            {
                entry["message"] = rule.Message;
            }

            if (rule.FieldPath is not null)
            {
                entry["fieldPath"] = rule.FieldPath;
            }

            if (rule.Reason is not null)
            {
                entry["reason"] = rule.Reason;
            }

            list.Add(entry);
        }

        node["x-kubernetes-validations"] = list;
    }

    private static void SetBound(JsonObject node, string keyword, int value)
    {
        if (value >= 0)
        {
            node[keyword] = value;
        }
    }

    // Whole numbers print as integers (minimum: 1, not 1.0).
    private static JsonValue Number(double value) =>
        Math.Floor(value) == value && Math.Abs(value) < long.MaxValue ? JsonValue.Create((long)value) : JsonValue.Create(value);

    private static JsonValue DefaultValue(object value, Type type, PropertyInfo property)
    {
        if (type.IsEnum)
        {
            var text = value as string ?? throw new InvalidOperationException($"default of {property.DeclaringType?.Name}.{property.Name} must be the enum's JSON name");
            return EnumValues(type).Contains(text)
                ? JsonValue.Create(text)
                : throw new InvalidOperationException($"default \"{text}\" of {property.DeclaringType?.Name}.{property.Name} is not one of {string.Join(", ", EnumValues(type))}");
        }

        return value switch
        {
            string s => JsonValue.Create(s),
            bool b => JsonValue.Create(b),
            int or long or short or byte => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
            double d => Number(d),
            float f => Number(f),
            _ => throw new InvalidOperationException($"unsupported default {value} on {property.DeclaringType?.Name}.{property.Name}"),
        };
    }

    /// <summary>The JSON names of an enum's members (<see cref="JsonStringEnumMemberNameAttribute"/>, else the member name).</summary>
    public static IReadOnlyList<string> EnumValues(Type enumType)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        return [.. enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .OrderBy(f => f.MetadataToken)
            .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name)];
    }

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = (type.IsInterface ? [type] : Array.Empty<Type>()).Concat(type.GetInterfaces())
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d
                && (d == typeof(IReadOnlyDictionary<,>) || d == typeof(IDictionary<,>)));
        return dictionary is not null && dictionary.GetGenericArguments()[0] == typeof(string) ? dictionary.GetGenericArguments()[1] : null;
    }

    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = (type.IsInterface ? [type] : Array.Empty<Type>()).Concat(type.GetInterfaces())
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }
}
