using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Storage;

/// <summary>A column of the Table output (meta.k8s.io/v1 TableColumnDefinition) and how to compute its cell.</summary>
internal sealed record PrinterColumn(string Name, string Type, string Description, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell)
{
    public string Format { get; init; } = "";
}
