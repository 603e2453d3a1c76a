using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// How a controller writes the objects it owns: create when missing, else update only the fields it manages and only when
/// they differ (so an unchanged pass writes nothing); delete tolerating an object already gone.
/// </summary>
internal sealed class ControllerObjectWriter(ResourceOperations ops, WriteOptions writer)
{
    public ObjectStore Store => ops.Store;

    public void Apply(GroupResource resource, string ns, string name, JsonObject desired, string[] fields)
    {
        var type = ops.Registry.ForStorage(resource)!;
        try
        {
            if (ops.Store.Get(resource, ns, name) is not { } current)
            {
                ops.Create(type, ns, desired, writer);
                return;
            }

            var live = JsonNodeExtensions.ParseObject(current.Json);
            if (fields.All(f => JsonNode.DeepEquals(live[f], desired[f])))
            {
                return;
            }

            ops.GuaranteedUpdate(type, ns, name, null, writer, obj =>
            {
                foreach (var field in fields)
                {
                    obj[field] = desired[field]?.DeepClone();
                }

                return obj;
            });
        }
        catch (ApiException e) when (e.Code is 404 or 409 or 403)
        {
            // The namespace is going away, or the object changed meanwhile (its event brings the controller back).
        }
    }

    public void Delete(GroupResource resource, string ns, string name)
    {
        try
        {
            ops.Delete(ops.Registry.ForStorage(resource)!, ns, name, new DeleteOptions("Background"));
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}
