using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Patching;

/// <summary>
/// RFC 6902 JSON patch (<c>application/json-patch+json</c>) as kube-apiserver applies it, with
/// gopkg.in/evanphx/json-patch.v4: add, remove, replace, move, copy, test. That library's departures from the RFC
/// are kept, because clients depend on them: <c>replace</c> of a member an object lacks sets it (only a missing
/// array index or parent fails), and <c>test</c> of a missing member against null passes. A patch that does not
/// apply is answered as the patch handler answers it (errors.NewGenericServerResponse with 422): reason Invalid,
/// "the server rejected our request due to an error in our request", the library's error not included.
/// </summary>
internal static class JsonPatch
{
    /// <summary>maxJSONPatchOperations of the patch handler.</summary>
    public const int MaxOperations = 10000;

    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        if (operations.Count > MaxOperations)
        {
            throw new ApiException(413, ApiErrors.Status(413, "RequestEntityTooLarge", $"Request entity too large: The allowed maximum operations in a JSON patch is {MaxOperations}, got {operations.Count}", null));
        }

        var root = new JsonObject { ["doc"] = document };
        foreach (var op in operations)
        {
            var path = op.Str("path");
            switch (op.Str("op"))
            {
                case "add":
                    Add(root, Require(path), op!["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, Require(path));
                    break;
                case "replace":
                    Replace(root, Require(path), op!["value"]?.DeepClone());
                    break;
                case "move":
                    var moved = Remove(root, Require(op.Str("from")));
                    Add(root, Require(path), moved);
                    break;
                case "copy":
                    var (source, key) = Parent(root, Require(op.Str("from")));
                    Add(root, Require(path), (Get(source, key) ?? throw NotApplicable()).DeepClone());
                    break;
                case "test":
                    var (parent, last) = Parent(root, Require(path));
                    var actual = Get(parent, last);
                    var expected = op!["value"];
                    if (!(actual is null && expected is null) && !JsonNode.DeepEquals(actual, expected))
                    {
                        throw NotApplicable();
                    }

                    break;
                default:
                    throw NotApplicable();
            }
        }

        return root["doc"]!;
    }

    private static string Require(string? path) => path ?? throw NotApplicable();

    /// <summary>v4's container get: a missing object member is null (no error); an array index must exist.</summary>
    private static JsonNode? Get(JsonNode parent, string key) => parent switch
    {
        JsonObject o => o[key],
        JsonArray a => Index(key, a.Count - 1) is { } i ? a[i] : throw NotApplicable(),
        _ => throw NotApplicable(),
    };

    private static void Replace(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, key) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[key] = value;
                break;
            case JsonArray a when Index(key, a.Count - 1) is { } i:
                a[i] = value;
                break;
            default:
                throw NotApplicable();
        }
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, key) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[key] = value;
                break;
            case JsonArray a when key == "-":
                a.Add(value);
                break;
            case JsonArray a when Index(key, a.Count) is { } i:
                a.Insert(i, value);
                break;
            default:
                throw NotApplicable();
        }
    }

    private static JsonNode? Remove(JsonObject root, string pointer)
    {
        var (parent, key) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(key):
                var v = o[key];
                o.Remove(key);
                return v;
            case JsonArray a when Index(key, a.Count - 1) is { } i:
                var item = a[i];
                a.RemoveAt(i);
                return item;
            default:
                throw NotApplicable();
        }
    }

    private static int? Index(string key, int max) =>
        int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= max ? i : null;

    /// <summary>findObject: every token but the last must name an existing object or array (null counts as missing).</summary>
    private static (JsonNode Parent, string Last) Parent(JsonObject root, string pointer)
    {
        if (!pointer.StartsWith('/') && pointer.Length > 0)
        {
            throw NotApplicable();
        }

        var tokens = ("/doc" + pointer).Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        JsonNode node = root;
        foreach (var t in tokens[..^1])
        {
            node = node switch
            {
                JsonObject o => o[t],
                JsonArray a when Index(t, a.Count - 1) is { } i => a[i],
                _ => null,
            } ?? throw NotApplicable();
        }

        return node is JsonObject or JsonArray ? (node, tokens[^1]) : throw NotApplicable();
    }

    private static ApiException NotApplicable() =>
        new(422, ApiErrors.Status(422, "Invalid", "the server rejected our request due to an error in our request", new JsonObject()));
}
