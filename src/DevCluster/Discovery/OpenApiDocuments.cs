using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Discovery;

/// <summary>
/// OpenAPI v3 documents for the custom resources (what <c>kubectl explain</c> reads, and what tells kubectl that
/// the server validates fields itself). Built-in kinds are not described: kubectl then uses its compiled-in
/// types for strategic merge patches, as it does against servers without their schemas.
/// </summary>
internal sealed class OpenApiDocuments(ResourceRegistry registry)
{
    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var gv in registry.All.Where(t => t.OpenApiSchema is not null).Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = $"apis/{gv.Group}/{gv.Version}";
            var hash = Convert.ToHexString(SHA256.HashData(GroupVersion(gv.Group, gv.Version)!.ToUtf8()))[..32];
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public JsonObject? GroupVersion(string group, string version)
    {
        var types = registry.All.Where(t => t.Group == group && t.Version == version && t.OpenApiSchema is not null).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var schemas = new JsonObject
        {
            [ObjectMetaRef] = new JsonObject
            {
                ["description"] = "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["name"] = new JsonObject { ["description"] = "Name must be unique within a namespace.", ["type"] = "string" },
                    ["namespace"] = new JsonObject { ["description"] = "Namespace defines the space within which each name must be unique.", ["type"] = "string" },
                    ["labels"] = new JsonObject { ["description"] = "Map of string keys and values that can be used to organize and categorize objects.", ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                    ["annotations"] = new JsonObject { ["description"] = "Annotations is an unstructured key value map stored with a resource.", ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                },
            },
        };
        var paths = new JsonObject();
        foreach (var t in types)
        {
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
            var schemaName = SchemaName(t);
            schemas[schemaName] = schema;

            var itemPath = t.Namespaced
                ? $"/apis/{t.Group}/{t.Version}/namespaces/{{namespace}}/{t.Resource}/{{name}}"
                : $"/apis/{t.Group}/{t.Version}/{t.Resource}/{{name}}";
            var collectionPath = itemPath[..itemPath.LastIndexOf('/')];
            paths[collectionPath] = new JsonObject { ["post"] = Operation(t, "post") };
            paths[itemPath] = new JsonObject { ["put"] = Operation(t, "put"), ["patch"] = Operation(t, "patch") };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes CRD Swagger", ["version"] = "v0.1.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private const string ObjectMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    private static string SchemaName(ResourceType t) =>
        string.Join('.', t.Group.Split('.').Reverse()) + "." + t.Version + "." + t.Kind;

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
