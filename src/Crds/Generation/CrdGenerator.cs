using System.Reflection;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Schema;
using k8s.Models;

namespace AgentOperator.Crds.Generation;

/// <summary>
/// Builds <c>apiextensions.k8s.io/v1</c> CustomResourceDefinitions from resource classes marked with
/// <see cref="KubernetesEntityAttribute"/>: names, scope, one served and stored version with its structural schema,
/// the status subresource for types with a status, printer columns, short names and categories.
/// </summary>
public sealed class CrdGenerator(XmlDocumentation documentation)
{
    private readonly SchemaGenerator _schemas = new(documentation);

    /// <summary>The resource types of an assembly (classes with <see cref="KubernetesEntityAttribute"/>), ordered by plural name.</summary>
    public static IReadOnlyList<Type> ResourceTypes(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return [.. assembly.GetTypes()
            .Where(t => t.IsClass && t.GetCustomAttribute<KubernetesEntityAttribute>() is not null)
            .OrderBy(t => t.GetCustomAttribute<KubernetesEntityAttribute>()!.PluralName, StringComparer.Ordinal)];
    }

    /// <summary>The CRD of one resource type, as JSON (the YAML writer keeps this key order).</summary>
    public JsonObject Generate(Type resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        var entity = resourceType.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{resourceType} has no [KubernetesEntity]", nameof(resourceType));
        var plural = entity.PluralName ?? throw new ArgumentException($"{resourceType} has no plural name", nameof(resourceType));

        var names = new JsonObject
        {
            ["kind"] = entity.Kind,
            ["listKind"] = entity.Kind + "List",
            ["plural"] = plural,
            ["singular"] = entity.Kind.ToLowerInvariant(),
        };
        if (resourceType.GetCustomAttribute<ShortNamesAttribute>() is { Names.Count: > 0 } shortNames)
        {
            names["shortNames"] = new JsonArray([.. shortNames.Names.Select(n => (JsonNode)n)]);
        }

        if (resourceType.GetCustomAttribute<CategoriesAttribute>() is { Categories.Count: > 0 } categories)
        {
            names["categories"] = new JsonArray([.. categories.Categories.Select(c => (JsonNode)c)]);
        }

        var version = new JsonObject
        {
            ["name"] = entity.ApiVersion,
            ["served"] = true,
            ["storage"] = true,
        };
        var columns = PrinterColumns(resourceType);
        if (columns.Count > 0)
        {
            version["additionalPrinterColumns"] = columns;
        }

        version["schema"] = new JsonObject { ["openAPIV3Schema"] = _schemas.ForType(resourceType) };
        if (HasStatus(resourceType))
        {
            version["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        }

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"{plural}.{entity.Group}" },
            ["spec"] = new JsonObject
            {
                ["group"] = entity.Group,
                ["names"] = names,
                ["scope"] = resourceType.GetCustomAttribute<ClusterScopedAttribute>() is null ? "Namespaced" : "Cluster",
                ["versions"] = new JsonArray(version),
            },
        };
    }

    /// <summary>File name in kubebuilder's convention: <c>&lt;group&gt;_&lt;plural&gt;.yaml</c>.</summary>
    public static string FileName(Type resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        var entity = resourceType.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{resourceType} has no [KubernetesEntity]", nameof(resourceType));
        return $"{entity.Group}_{entity.PluralName}.yaml";
    }

    private static bool HasStatus(Type resourceType) =>
        resourceType.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStatus<>));

    private static JsonArray PrinterColumns(Type resourceType)
    {
        var columns = new JsonArray();
        foreach (var column in resourceType.GetCustomAttributes<PrinterColumnAttribute>(inherit: false))
        {
            var entry = new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["jsonPath"] = column.JsonPath,
            };
            if (column.Description is not null)
            {
                entry["description"] = column.Description;
            }

            if (column.Format is not null)
            {
                entry["format"] = column.Format;
            }

            if (column.Priority != 0)
            {
                entry["priority"] = column.Priority;
            }

            columns.Add(entry);
        }

        return columns;
    }
}
