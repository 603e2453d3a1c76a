using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// events.k8s.io/v1 and core/v1 Events are one stored object with renamed fields (regarding ⇄ involvedObject,
/// note ⇄ message, deprecated* ⇄ source/firstTimestamp/lastTimestamp/count), as in kube-apiserver.
/// </summary>
internal sealed class EventVersionConverter : IVersionConverter
{
    private static readonly (string Core, string Events)[] Renames =
    [
        ("involvedObject", "regarding"),
        ("message", "note"),
        ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"),
    ];

    public JsonObject FromStorage(JsonObject stored) => Rename(stored, toEvents: true, "events.k8s.io/v1");

    public JsonObject ToStorage(JsonObject served) => Rename(served, toEvents: false, "v1");

    private static JsonObject Rename(JsonObject source, bool toEvents, string apiVersion)
    {
        var result = new JsonObject();
        foreach (var (key, value) in source)
        {
            var target = key;
            foreach (var (core, events) in Renames)
            {
                if (toEvents && key == core)
                {
                    target = events;
                }
                else if (!toEvents && key == events)
                {
                    target = core;
                }
            }

            result[target] = value?.DeepClone();
        }

        result["apiVersion"] = apiVersion;
        return result;
    }
}
