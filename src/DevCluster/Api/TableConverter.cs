using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// Renders objects as meta.k8s.io/v1 Table (what <c>kubectl get</c> asks for with
/// <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>): column definitions plus one row of cells per
/// object, each row carrying the object as PartialObjectMetadata (or whole, with includeObject=Object).
/// </summary>
internal static class TableConverter
{
    public static bool Wants(string? accept) => accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Convert(ResourceType type, IEnumerable<JsonObject> objects, string? resourceVersion, string? continueToken, string? includeObject, DateTimeOffset now, bool includeColumns = true)
    {
        var columns = Columns(type);
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = Metadata(resourceVersion, continueToken),
            ["columnDefinitions"] = includeColumns
                ? new JsonArray(columns.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name,
                    ["type"] = c.Type,
                    ["format"] = c.Format,
                    ["description"] = c.Description,
                    ["priority"] = c.Priority,
                }).ToArray())
                : new JsonArray(),
            ["rows"] = new JsonArray(objects.Select(o => (JsonNode)Row(o, columns, includeObject, now)).ToArray()),
        };
        return table;
    }

    private static JsonObject Metadata(string? resourceVersion, string? continueToken)
    {
        var m = new JsonObject();
        if (resourceVersion is not null)
        {
            m["resourceVersion"] = resourceVersion;
        }

        if (!string.IsNullOrEmpty(continueToken))
        {
            m["continue"] = continueToken;
        }

        return m;
    }

    private static IReadOnlyList<PrinterColumn> Columns(ResourceType type) =>
        type.Columns.Count > 0 ? type.Columns : [BuiltInResources.NameColumn, BuiltInResources.AgeColumn];

    private static JsonObject Row(JsonObject obj, IReadOnlyList<PrinterColumn> columns, string? includeObject, DateTimeOffset now)
    {
        var row = new JsonObject { ["cells"] = new JsonArray(columns.Select(c => c.Cell(obj, now)).ToArray()) };
        switch (includeObject)
        {
            case "None":
                break;
            case "Object":
                row["object"] = obj;
                break;
            default:
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                };
                break;
        }

        return row;
    }
}
