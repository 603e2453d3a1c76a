using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentOperator.DevCluster.Storage;

/// <summary>Serializer settings shared by the store and the API: compact, and no HTML escaping (Go's encoder does not escape '+', which shows in kubectl output).</summary>
internal static class JsonOptions
{
    public static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };
}
