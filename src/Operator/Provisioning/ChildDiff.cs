using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Decides whether an existing child differs from its desired state in the fields the operator sets.
/// <para>
/// The comparison is "desired is contained in existing": every field present in the desired object must
/// have the same value in the existing one; fields only the existing object has (resourceVersion, uid,
/// managedFields, status, a Service's clusterIP, a Deployment's strategy, a container's
/// terminationMessagePath, labels added by others, ...) are the API server's or someone else's and are
/// ignored. Lists are the operator's whole: a different length is a difference, elements compare as above.
/// A desired false, 0, "", [] or {} equals an absent field, because Go's omitempty drops those. Only
/// metadata.labels, metadata.annotations and metadata.ownerReferences of the metadata are compared.
/// </para>
/// <para>
/// Not detected: a field the operator set once and no longer sets (a dropped annotation stays). Keys the
/// builders stop emitting must be removed explicitly, or the reconciler must use server-side apply.
/// </para>
/// </summary>
public static class ChildDiff
{
    private static readonly string[] ComparedMetadata = ["labels", "annotations", "ownerReferences"];

    // Ignored at the top level: identity (matched by name already), server-owned metadata and status.
    private static readonly HashSet<string> IgnoredTopLevel = new(StringComparer.Ordinal) { "apiVersion", "kind", "metadata", "status" };

    private static readonly Dictionary<string, string[]> ImmutablePrefixes = new(StringComparer.Ordinal)
    {
        [V1Deployment.KubeKind] = ["/spec/selector"],
        [V1RoleBinding.KubeKind] = ["/roleRef"],
    };

    /// <summary>Compares <paramref name="existing"/> (as read from the API) with <paramref name="desired"/> (as built).</summary>
    public static ChildDifference Compare<T>(T existing, T desired)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(desired);

        var actual = ToNode(existing);
        var wanted = ToNode(desired);
        var paths = new List<string>();

        var actualMetadata = actual["metadata"] as JsonObject;
        var wantedMetadata = wanted["metadata"] as JsonObject;
        foreach (var key in ComparedMetadata)
        {
            Contained(actualMetadata?[key], wantedMetadata?[key], $"/metadata/{key}", paths);
        }

        foreach (var (key, value) in wanted)
        {
            if (!IgnoredTopLevel.Contains(key))
            {
                Contained(actual[key], value, "/" + Escape(key), paths);
            }
        }

        if (paths.Count == 0)
        {
            return ChildDifference.None;
        }

        var kind = desired.Kind ?? existing.Kind ?? "";
        var replace = ImmutablePrefixes.TryGetValue(kind, out var prefixes)
            && paths.Any(p => prefixes.Any(prefix => p == prefix || p.StartsWith(prefix + "/", StringComparison.Ordinal)));
        return new(replace ? ChildChange.Replace : ChildChange.Update, paths);
    }

    private static JsonObject ToNode<T>(T value) =>
        JsonNode.Parse(KubernetesJson.Serialize(value)) as JsonObject ?? throw new ArgumentException("a Kubernetes object must serialize to a JSON object");

    private static void Contained(JsonNode? actual, JsonNode? wanted, string path, List<string> differences)
    {
        switch (wanted)
        {
            case null:
                return;
            case JsonObject wantedObject:
                if (actual is null)
                {
                    if (wantedObject.Count > 0 && !IsZero(wantedObject))
                    {
                        differences.Add(path);
                    }

                    return;
                }

                if (actual is not JsonObject actualObject)
                {
                    differences.Add(path);
                    return;
                }

                foreach (var (key, value) in wantedObject)
                {
                    Contained(actualObject[key], value, $"{path}/{Escape(key)}", differences);
                }

                return;
            case JsonArray wantedArray:
                var actualArray = actual as JsonArray;
                if (actual is not null && actualArray is null)
                {
                    differences.Add(path);
                    return;
                }

                if ((actualArray?.Count ?? 0) != wantedArray.Count)
                {
                    differences.Add(path);
                    return;
                }

                for (var i = 0; i < wantedArray.Count; i++)
                {
                    Contained(actualArray![i], wantedArray[i], $"{path}/{i}", differences);
                }

                return;
            case JsonValue wantedValue:
                if (actual is null)
                {
                    if (!IsZero(wantedValue))
                    {
                        differences.Add(path);
                    }

                    return;
                }

                if (actual is not JsonValue actualValue || !ValuesEqual(actualValue, wantedValue))
                {
                    differences.Add(path);
                }

                return;
        }
    }

    private static bool IsZero(JsonNode node) => node switch
    {
        JsonObject o => o.All(pair => pair.Value is null || IsZero(pair.Value)),
        JsonArray a => a.Count == 0,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.False => true,
            JsonValueKind.String => v.GetValue<string>().Length == 0,
            JsonValueKind.Number => v.GetValue<decimal>() == 0,
            _ => false,
        },
        _ => false,
    };

    private static bool ValuesEqual(JsonValue actual, JsonValue wanted)
    {
        var kind = wanted.GetValueKind();
        if (kind != actual.GetValueKind())
        {
            return false;
        }

        return kind switch
        {
            JsonValueKind.Number => actual.GetValue<decimal>() == wanted.GetValue<decimal>(),
            JsonValueKind.String => string.Equals(actual.GetValue<string>(), wanted.GetValue<string>(), StringComparison.Ordinal),
            _ => true, // true, false, null: equal kinds are equal values
        };
    }

    // JSON pointer escaping, so annotation keys with '/' stay unambiguous.
    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
