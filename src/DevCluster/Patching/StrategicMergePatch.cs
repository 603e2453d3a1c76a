using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Patching;

/// <summary>
/// Strategic merge patch (<c>application/strategic-merge-patch+json</c>) for the built-in kinds: keyed lists
/// merge item by item (<see cref="MergeKeys"/>), and the directives kubectl sends are honoured:
/// <c>$patch: delete|replace|merge</c>, <c>$retainKeys</c>, <c>$deleteFromPrimitiveList/…</c>, <c>$setElementOrder/…</c>.
/// </summary>
internal static class StrategicMergePatch
{
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        if (patch.Str("$patch") == "replace")
        {
            return (JsonObject)Clean(patch)!;
        }

        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                continue;
            }

            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (target[field] is JsonArray list && value is JsonArray remove)
                {
                    foreach (var item in list.Where(i => remove.Any(r => JsonNode.DeepEquals(r, i))).ToList())
                    {
                        list.Remove(item);
                    }
                }

                continue;
            }

            switch (value)
            {
                case null:
                    target.Remove(key);
                    break;
                case JsonObject o when o.Str("$patch") == "delete":
                    target.Remove(key);
                    break;
                case JsonObject o:
                    target[key] = target[key] is JsonObject existing ? Apply(existing, o) : Apply([], o);
                    break;
                case JsonArray a:
                    target[key] = MergeList(key, target[key] as JsonArray, a);
                    break;
                default:
                    target[key] = value.DeepClone();
                    break;
            }
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(r => (string?)r).ToHashSet();
            foreach (var k in target.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToList())
            {
                target.Remove(k);
            }
        }

        return target;
    }

    private static JsonArray MergeList(string field, JsonArray? target, JsonArray patch)
    {
        var keys = MergeKeys.For(field, target, patch);
        if (keys is null || patch.OfType<JsonObject>().Any(i => i.Str("$patch") == "replace"))
        {
            return new JsonArray(patch.Where(i => !(i is JsonObject o && o.Str("$patch") is not null && o.Count == 1)).Select(Clean).ToArray());
        }

        var result = target is null ? new JsonArray() : (JsonArray)target.DeepClone();
        foreach (var item in patch)
        {
            if (item is JsonObject io && io.Str("$patch") == "delete")
            {
                foreach (var match in result.Where(r => keys.All(k => JsonNode.DeepEquals(r?[k], io[k]))).ToList())
                {
                    result.Remove(match);
                }

                continue;
            }

            var existing = result.FirstOrDefault(r => MergeKeys.SameItem(r, item, keys));
            if (existing is null)
            {
                result.Add(Clean(item));
            }
            else if (existing is JsonObject eo && item is JsonObject po)
            {
                Apply(eo, po);
            }
        }

        return result;
    }

    /// <summary>A copy of a patch fragment without directives, for values inserted as new.</summary>
    private static JsonNode? Clean(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(kv => !kv.Key.StartsWith('$')).Select(kv => KeyValuePair.Create(kv.Key, Clean(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Clean).ToArray()),
        _ => node?.DeepClone(),
    };
}
