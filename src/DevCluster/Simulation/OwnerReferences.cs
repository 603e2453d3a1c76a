using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Simulation;

/// <summary>Controller owner references, as workload controllers set them on what they create.</summary>
internal static class OwnerReferences
{
    public static JsonArray ControllerRef(JsonObject owner) => new(new JsonObject
    {
        ["apiVersion"] = owner.Str("apiVersion"),
        ["kind"] = owner.Str("kind"),
        ["name"] = owner.Str("metadata", "name"),
        ["uid"] = owner.Str("metadata", "uid"),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    });

    /// <summary>The controller owner's uid of a stored object, if any.</summary>
    public static string? ControllerUid(JsonObject obj) =>
        (obj.At("metadata", "ownerReferences") as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(r => r.Bool("controller") == true)?.Str("uid");

    /// <summary>The live dependents of <paramref name="ownerUid"/> in one resource, parsed.</summary>
    public static List<JsonObject> Owned(ObjectStore store, string ownerUid, GroupResource resource) =>
        store.Dependents(ownerUid)
            .Where(d => d.Resource == resource)
            .Select(d => store.Get(resource, d.Namespace, d.Name))
            .Where(o => o is not null)
            .Select(o => JsonNodeExtensions.ParseObject(o!.Json))
            .ToList();
}
