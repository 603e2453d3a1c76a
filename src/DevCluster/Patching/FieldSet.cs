using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Patching;

/// <summary>
/// A set of field paths in structured-merge-diff's notation: each path is a list of elements
/// <c>f:name</c> (field), <c>k:{"name":"x"}</c> (keyed list item), <c>v:"x"</c> (set member). Converts
/// to and from the <c>fieldsV1</c> JSON of managedFields.
/// </summary>
internal sealed class FieldSet
{
    private const char Separator = '\u0001';
    private static readonly HashSet<string> UnmanagedMetadata = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"];

    private readonly HashSet<string> _paths;

    public FieldSet(IEnumerable<string> paths) => _paths = new HashSet<string>(paths, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Paths => _paths;

    public bool IsEmpty => _paths.Count == 0;

    public bool Contains(string path) => _paths.Contains(path);

    public void Add(string path) => _paths.Add(path);

    public bool Remove(string path) => _paths.Remove(path);

    /// <summary>The leaf paths of an object (what an apply configuration, or a whole object, sets).</summary>
    public static FieldSet FromObject(JsonObject obj)
    {
        var paths = new List<string>();
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject meta)
            {
                foreach (var (mk, mv) in meta)
                {
                    if (!UnmanagedMetadata.Contains(mk))
                    {
                        Walk(mv, ["f:metadata", "f:" + mk], mk, paths);
                    }
                }

                continue;
            }

            Walk(value, ["f:" + key], key, paths);
        }

        return new FieldSet(paths);
    }

    /// <summary>Reads a managedFields entry's fieldsV1.</summary>
    public static FieldSet FromFieldsV1(JsonNode? fieldsV1)
    {
        var paths = new List<string>();
        if (fieldsV1 is JsonObject o)
        {
            Collect(o, [], paths);
        }

        return new FieldSet(paths);
    }

    /// <summary>Writes fieldsV1: nested objects per element, <c>{}</c> for leaves, <c>".": {}</c> when an inner node is itself a member.</summary>
    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        foreach (var path in _paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            var elements = Split(path);
            for (var i = 0; i < elements.Length; i++)
            {
                if (node[elements[i]] is not JsonObject child)
                {
                    child = [];
                    node[elements[i]] = child;
                }

                node = child;
            }
        }

        MarkInnerMembers(root, "", _paths);
        return root;
    }

    /// <summary>Resolves a path in an object; <paramref name="found"/> is false when it is absent.</summary>
    public static JsonNode? Resolve(JsonNode? root, string path, out bool found)
    {
        var node = root;
        foreach (var element in Split(path))
        {
            if (element.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject o && o.TryGetPropertyValue(element[2..], out var v))
            {
                node = v;
                continue;
            }

            if (element.StartsWith("k:", StringComparison.Ordinal) && node is JsonArray a && JsonNode.Parse(element[2..]) is JsonObject key)
            {
                node = a.FirstOrDefault(i => i is JsonObject io && key.All(kv => JsonNode.DeepEquals(io[kv.Key], kv.Value)));
                if (node is not null)
                {
                    continue;
                }
            }

            if (element.StartsWith("v:", StringComparison.Ordinal) && node is JsonArray set)
            {
                var member = JsonNode.Parse(element[2..]);
                node = set.FirstOrDefault(i => JsonNode.DeepEquals(i, member));
                if (node is not null)
                {
                    continue;
                }
            }

            found = false;
            return null;
        }

        found = true;
        return node;
    }

    /// <summary>Removes the field at a path from an object (used when a manager stops applying a field no one else owns).</summary>
    public static void RemoveFrom(JsonObject root, string path)
    {
        var elements = Split(path);
        var parentPath = string.Join(Separator, elements[..^1]);
        var parent = elements.Length == 1 ? root : Resolve(root, parentPath, out var found) is { } p && found ? p : null;
        var last = elements[^1];
        switch (parent)
        {
            case JsonObject o when last.StartsWith("f:", StringComparison.Ordinal):
                o.Remove(last[2..]);
                break;
            case JsonArray a when last.StartsWith("k:", StringComparison.Ordinal) || last.StartsWith("v:", StringComparison.Ordinal):
                var item = Resolve(root, path, out var exists);
                if (exists && item is not null)
                {
                    a.Remove(item);
                }

                break;
        }
    }

    /// <summary>The path as kube-apiserver prints it in apply conflicts: <c>.spec.containers[name="app"].image</c>.</summary>
    public static string Display(string path)
    {
        var sb = new StringBuilder();
        foreach (var e in Split(path))
        {
            if (e.StartsWith("f:", StringComparison.Ordinal))
            {
                sb.Append('.').Append(e[2..]);
            }
            else if (e.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(e[2..]) is JsonObject key)
            {
                sb.Append('[').Append(string.Join(",", key.Select(kv => $"{kv.Key}={kv.Value?.ToJsonString()}"))).Append(']');
            }
            else
            {
                sb.Append('[').Append(e[2..]).Append(']');
            }
        }

        return sb.ToString();
    }

    public static string Join(IEnumerable<string> elements) => string.Join(Separator, elements);

    private static string[] Split(string path) => path.Split(Separator);

    private static void Walk(JsonNode? value, List<string> prefix, string fieldName, List<string> paths)
    {
        switch (value)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (k, v) in o)
                {
                    Walk(v, [.. prefix, "f:" + k], k, paths);
                }

                break;
            case JsonArray a when a.Count > 0 && MergeKeys.For(fieldName, a) is { } keys:
                foreach (var item in a)
                {
                    if (keys.Length == 0)
                    {
                        paths.Add(Join([.. prefix, "v:" + (item?.ToJsonString() ?? "null")]));
                    }
                    else if (item is JsonObject io)
                    {
                        var key = new JsonObject(keys.Where(io.ContainsKey).Select(k => KeyValuePair.Create(k, io[k]?.DeepClone())));
                        var itemPrefix = new List<string>(prefix) { "k:" + key.ToJsonString(JsonOptions.Compact) };
                        paths.Add(Join(itemPrefix));
                        foreach (var (k, v) in io)
                        {
                            Walk(v, [.. itemPrefix, "f:" + k], k, paths);
                        }
                    }
                }

                break;
            default:
                paths.Add(Join(prefix));
                break;
        }
    }

    private static void Collect(JsonObject node, List<string> prefix, List<string> paths)
    {
        foreach (var (k, v) in node)
        {
            if (k == ".")
            {
                paths.Add(Join(prefix));
                continue;
            }

            if (v is JsonObject child && child.Count > 0)
            {
                Collect(child, [.. prefix, k], paths);
            }
            else
            {
                paths.Add(Join([.. prefix, k]));
            }
        }
    }

    private static void MarkInnerMembers(JsonObject node, string prefix, HashSet<string> members)
    {
        foreach (var (k, v) in node.ToList())
        {
            if (v is not JsonObject child || child.Count == 0)
            {
                continue;
            }

            var path = prefix.Length == 0 ? k : prefix + Separator + k;
            if (members.Contains(path))
            {
                child.Insert(0, ".", new JsonObject());
            }

            MarkInnerMembers(child, path, members);
        }
    }

    internal static bool ValueEquals(JsonNode? a, JsonNode? b) =>
        JsonNode.DeepEquals(a, b) || (a is JsonValue va && b is JsonValue vb && va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number && va.ToJsonString() == vb.ToJsonString());
}
