using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Storage;

/// <summary>Converts an object between its stored representation and a served version (e.g. core/v1 Event ⇄ events.k8s.io/v1 Event).</summary>
internal interface IVersionConverter
{
    /// <summary>Stored form → served form. Must not mutate <paramref name="stored"/>.</summary>
    JsonObject FromStorage(JsonObject stored);

    /// <summary>Served form → stored form.</summary>
    JsonObject ToStorage(JsonObject served);
}
