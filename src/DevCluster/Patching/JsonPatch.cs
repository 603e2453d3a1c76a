using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Patching;

/// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>): add, remove, replace, move, copy, test.</summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var root = new JsonObject { ["doc"] = document };
        foreach (var op in operations)
        {
            var kind = op.Str("op") ?? throw Fail("missing op");
            var path = op.Str("path") ?? throw Fail($"missing path in {kind} operation");
            switch (kind)
            {
                case "add":
                    Add(root, path, op!["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, op!["value"]?.DeepClone());
                    break;
                case "move":
                    var moved = Remove(root, op.Str("from") ?? throw Fail("missing from"));
                    Add(root, path, moved);
                    break;
                case "copy":
                    Add(root, path, Resolve(root, op.Str("from") ?? throw Fail("missing from"))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), op!["value"]))
                    {
                        throw Fail($"testing value {path} failed");
                    }

                    break;
                default:
                    throw Fail($"Unexpected kind: {kind}");
            }
        }

        return root["doc"]!;
    }

    private static JsonNode? Resolve(JsonObject root, string pointer)
    {
        var (parent, last) = Parent(root, pointer);
        return parent switch
        {
            JsonObject o when o.ContainsKey(last) => o[last],
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => a[i],
            _ => throw Fail($"replace operation does not apply: doc is missing path: {pointer}"),
        };
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Fail($"add operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }
    }

    private static JsonNode? Remove(JsonObject root, string pointer)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                var v = o[last];
                o.Remove(last);
                return v;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                var item = a[i];
                a.RemoveAt(i);
                return item;
            default:
                throw Fail($"remove operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }
    }

    private static (JsonNode? Parent, string Last) Parent(JsonObject root, string pointer)
    {
        var tokens = ("/doc" + pointer).Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        JsonNode? node = root;
        foreach (var t in tokens[..^1])
        {
            node = node switch
            {
                JsonObject o => o[t],
                JsonArray a when int.TryParse(t, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
            if (node is null)
            {
                throw Fail($"doc is missing path: \"{pointer}\": missing value");
            }
        }

        return (node, tokens[^1]);
    }

    private static ApiException Fail(string message) => new(422, ApiErrors.Status(422, "Invalid", message, null));
}
