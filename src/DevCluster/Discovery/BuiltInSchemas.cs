using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Xml;
using k8s.Models;

namespace AgentOperator.DevCluster.Discovery;

/// <summary>
/// OpenAPI v3 component schemas for the built-in kinds, generated from KubernetesClient's model types (which are
/// generated from kube-apiserver's own OpenAPI document): each property's JSON name and type by reflection, each
/// description from the package's XML documentation when it sits next to KubernetesClient.dll (copied there at
/// build; published images leave it out and get schemas without descriptions). Schema names follow kube-apiserver's
/// (<c>io.k8s.api.apps.v1.DeploymentSpec</c>), so <c>kubectl explain</c> prints the same type names.
/// Not carried: required fields, enums, formats beyond int32/int64/date-time/byte, and the patch-strategy extensions,
/// so the documents offer no strategic-merge PATCH operation and kubectl keeps its compiled-in patch metadata.
/// </summary>
internal static partial class BuiltInSchemas
{
    private const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";
    private static readonly HashSet<string> MetaTypes = ["ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry", "Condition", "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions"];
    private static readonly Lazy<Dictionary<string, string>> Docs = new(LoadDocs);
    private static readonly ConcurrentDictionary<(string Group, string Version, string Kind), Type?> Entities = new();

    /// <summary>The KubernetesClient model of a built-in kind, or null when it has none.</summary>
    public static Type? ModelOf(string group, string version, string kind) =>
        Entities.GetOrAdd((group, version, kind), key => typeof(V1Pod).Assembly.GetTypes().FirstOrDefault(t =>
            t.GetCustomAttribute<KubernetesEntityAttribute>() is { } e && e.Group == key.Group && e.ApiVersion == key.Version && e.Kind == key.Kind));

    /// <summary>Adds the kind's schema and every schema it reaches to <paramref name="schemas"/>; returns the kind's schema name.</summary>
    public static string Add(Type model, string group, string version, string kind, JsonObject schemas)
    {
        var package = PackageOf(group, version);
        var name = Add(model, package, schemas);
        schemas[name]!["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version });
        return name;
    }

    /// <summary>The schema name of a kind with a model (kube-apiserver's, e.g. io.k8s.api.apps.v1.Deployment).</summary>
    public static string NameOf(string group, string version, string kind) =>
        NameOf(ModelOf(group, version, kind) ?? throw new InvalidOperationException($"{group}/{version} {kind} has no model"), PackageOf(group, version));

    /// <summary>Adds meta/v1 ObjectMeta (and what it reaches); returns its schema name.</summary>
    public static string AddObjectMeta(JsonObject schemas) => Add(typeof(V1ObjectMeta), MetaPackage, schemas);

    private static string NameOf(Type type, string package)
    {
        var (version, shortName) = Split(type.Name);
        return MetaTypes.Contains(shortName) && version == "v1"
            ? $"{MetaPackage}.{shortName}"
            : $"{package[..(package.LastIndexOf('.') + 1)]}{version}.{shortName}";
    }

    private static string PackageOf(string group, string version) => group switch
    {
        "" => "io.k8s.api.core." + version,
        "apiextensions.k8s.io" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + version,
        _ => $"io.k8s.api.{group.Split('.')[0]}.{version}",
    };

    private static string Add(Type type, string package, JsonObject schemas)
    {
        var name = NameOf(type, package);
        if (schemas.ContainsKey(name))
        {
            return name;
        }

        var schema = new JsonObject();
        if (Describe("T:" + type.FullName) is { } description)
        {
            schema["description"] = description;
        }

        schema["type"] = "object";
        var properties = new JsonObject();
        schema["properties"] = properties;
        schemas[name] = schema; // before the properties: types may refer to themselves (JSONSchemaProps)
        var ownPackage = name[..name.LastIndexOf('.')];
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name is not { } json)
            {
                continue;
            }

            var node = PropertySchema(property.PropertyType, ownPackage, schemas);
            if (Describe($"P:{type.FullName}.{property.Name}") is { } doc)
            {
                node["description"] = doc;
            }

            properties[json] = node;
        }

        return name;
    }

    private static JsonObject PropertySchema(Type type, string package, JsonObject schemas)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = type == typeof(int) ? "int32" : "int64" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return Ref($"{MetaPackage}.Time", schemas, () => new JsonObject { ["description"] = "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.", ["type"] = "string", ["format"] = "date-time" });
        }

        if (type == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        if (type == typeof(ResourceQuantity))
        {
            return Ref("io.k8s.apimachinery.pkg.api.resource.Quantity", schemas, () => new JsonObject { ["description"] = Describe("T:" + type.FullName), ["type"] = "string" });
        }

        if (type == typeof(IntOrString))
        {
            return Ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString", schemas, () => new JsonObject { ["description"] = Describe("T:" + type.FullName), ["type"] = "string", ["format"] = "int-or-string" });
        }

        if (type.IsGenericType && type.GetGenericArguments() is { Length: 2 } pair)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = PropertySchema(pair[1], package, schemas) };
        }

        if (type.IsGenericType && type.GetGenericArguments() is { Length: 1 } item && typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
        {
            return new JsonObject { ["type"] = "array", ["items"] = PropertySchema(item[0], package, schemas) };
        }

        if (type.IsClass && type.Namespace == "k8s.Models" && type != typeof(object))
        {
            return new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + Add(type, package, schemas) }) };
        }

        return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
    }

    private static JsonObject Ref(string name, JsonObject schemas, Func<JsonObject> schema)
    {
        if (!schemas.ContainsKey(name))
        {
            var s = schema();
            if (s["description"] is null)
            {
                s.Remove("description");
            }

            schemas[name] = s;
        }

        return new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + name }) };
    }

    /// <summary>"V1beta1CronJobSpec" → ("v1beta1", "CronJobSpec"); names without a version prefix are v1.</summary>
    private static (string Version, string Name) Split(string typeName) =>
        VersionPrefix().Match(typeName) is { Success: true } m ? (m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Value) : ("v1", typeName);

    private static string? Describe(string member) => Docs.Value.TryGetValue(member, out var text) ? text : null;

    /// <summary>The summaries of the model types and their properties, read once from KubernetesClient.xml.</summary>
    private static Dictionary<string, string> LoadDocs()
    {
        var docs = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = Path.ChangeExtension(typeof(V1Pod).Assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            path = Path.Combine(AppContext.BaseDirectory, "KubernetesClient.xml");
        }

        if (!File.Exists(path))
        {
            return docs;
        }

        using var reader = XmlReader.Create(path, new XmlReaderSettings { IgnoreWhitespace = true, DtdProcessing = DtdProcessing.Prohibit });
        while (reader.ReadToFollowing("member"))
        {
            var name = reader.GetAttribute("name");
            if (name is null || !(name.StartsWith("T:k8s.Models.", StringComparison.Ordinal) || name.StartsWith("P:k8s.Models.", StringComparison.Ordinal)))
            {
                continue;
            }

            using var member = reader.ReadSubtree();
            if (member.ReadToDescendant("summary"))
            {
                var text = string.Join(' ', member.ReadElementContentAsString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                if (text.Length > 0)
                {
                    docs[name] = text;
                }
            }
        }

        return docs;
    }

    [GeneratedRegex("^(V\\d+(?:alpha\\d+|beta\\d+)?)([A-Z].*)$")]
    private static partial Regex VersionPrefix();
}
