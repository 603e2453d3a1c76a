using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Discovery;

/// <summary>
/// OpenAPI v3 documents (what <c>kubectl explain</c> reads, and what tells kubectl that the server validates fields
/// itself): custom resources from their CRD schemas, built-in kinds from <see cref="BuiltInSchemas"/>. Documents are
/// built once per group/version and cached until the registry changes (a CRD is added or removed).
/// Their PATCH operations name no request body, so kubectl computes strategic merge patches of built-in kinds from its
/// compiled-in types, as it does against a server whose v3 document it cannot use for patches.
/// </summary>
internal sealed class OpenApiDocuments(ResourceRegistry registry)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, string), (string Fingerprint, JsonObject Document)> _cache = [];

    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var gv in Described().Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = gv.Group.Length == 0 ? $"api/{gv.Version}" : $"apis/{gv.Group}/{gv.Version}";
            var hash = Convert.ToHexString(SHA256.HashData(GroupVersion(gv.Group, gv.Version)!.ToUtf8()))[..32];
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    private IEnumerable<ResourceType> Described() =>
        registry.All.Where(t => !t.IsVirtual && (t.OpenApiSchema is not null || (!t.IsCustom && BuiltInSchemas.ModelOf(t.Group, t.Version, t.Kind) is not null)));

    public JsonObject? GroupVersion(string group, string version)
    {
        var types = Described().Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var fingerprint = string.Join(',', types.Select(t => t.Resource + ":" + (t.OpenApiSchema is null ? "" : t.OpenApiSchema.GetHashCode().ToString(System.Globalization.CultureInfo.InvariantCulture))));
        lock (_lock)
        {
            if (_cache.TryGetValue((group, version), out var cached) && cached.Fingerprint == fingerprint)
            {
                return cached.Document;
            }
        }

        var document = Build(types);
        lock (_lock)
        {
            _cache[(group, version)] = (fingerprint, document);
        }

        return document;
    }

    private static JsonObject Build(List<ResourceType> types)
    {
        var schemas = new JsonObject();
        BuiltInSchemas.AddObjectMeta(schemas);
        var paths = new JsonObject();
        foreach (var t in types)
        {
            AddPaths(t, paths);
            if (t.OpenApiSchema is null)
            {
                BuiltInSchemas.Add(BuiltInSchemas.ModelOf(t.Group, t.Version, t.Kind)!, t.Group, t.Version, t.Kind, schemas);
                continue;
            }

            var schema = t.OpenApiSchema!.CloneObject();
            var props = schema.Obj("properties");
            props["apiVersion"] ??= new JsonObject { ["description"] = "APIVersion defines the versioned schema of this representation of an object.", ["type"] = "string" };
            props["kind"] ??= new JsonObject { ["description"] = "Kind is a string value representing the REST resource this object represents.", ["type"] = "string" };
            props["metadata"] = new JsonObject
            {
                ["description"] = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
                ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + ObjectMetaRef }),
            };
            var gvk = new JsonArray(new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version });
            schema["x-kubernetes-group-version-kind"] = gvk;
            schemas[SchemaName(t)] = schema;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v0.1.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    /// <summary>The create, replace and patch operations with the query parameters kubectl looks for (fieldValidation).</summary>
    private static void AddPaths(ResourceType t, JsonObject paths)
    {
        var root = t.Group.Length == 0 ? $"/api/{t.Version}" : $"/apis/{t.Group}/{t.Version}";
        var itemPath = t.Namespaced ? $"{root}/namespaces/{{namespace}}/{t.Resource}/{{name}}" : $"{root}/{t.Resource}/{{name}}";
        var collectionPath = itemPath[..itemPath.LastIndexOf('/')];
        paths[collectionPath] = new JsonObject { ["post"] = Operation(t, "post") };
        paths[itemPath] = new JsonObject { ["put"] = Operation(t, "put"), ["patch"] = Operation(t, "patch") };
    }

    private const string ObjectMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    private static string SchemaName(ResourceType t) => t.OpenApiSchema is null
        ? BuiltInSchemas.NameOf(t.Group, t.Version, t.Kind)
        : string.Join('.', t.Group.Split('.').Reverse()) + "." + t.Version + "." + t.Kind;

    private static JsonObject Operation(ResourceType t, string verb) => new()
    {
        ["operationId"] = verb + t.Kind,
        ["parameters"] = new JsonArray(
            new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
            new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
            new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/" + SchemaName(t) } } } },
        },
        ["x-kubernetes-action"] = verb,
        ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version },
    };
}
