using System.Net;
using System.Text.Json.Nodes;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Writes only differences: creates a missing child, patches one whose owned fields differ (per
/// <see cref="ChildDiff"/>), replaces one whose immutable fields differ, and otherwise writes nothing.
/// Reads come from the informer cache; a cache that lags behind our own create is caught by AlreadyExists and
/// settled with one GET, so a restart or a slow watch never duplicates or rewrites anything.
/// </summary>
internal static class ChildWriter
{
    /// <summary>Brings the child to <paramref name="desired"/>; returns the live object and what was written.</summary>
    public static async Task<(T Live, ChildWrite Write)> EnsureAsync<T>(ChildApi<T> api, IObjectCache<T> cache, T desired, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var key = ObjectKey.Of(desired);
        var ns = key.Namespace!;
        if (!cache.TryGet(key, out var existing) || existing.Metadata.DeletionTimestamp is not null)
        {
            try
            {
                return (await api.Create(desired, ns, ct), ChildWrite.Created);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // The cache has not seen it yet (our own earlier create, or another writer): compare with the live one.
                existing = await api.Read(key.Name, ns, ct);
                if (existing.Metadata.DeletionTimestamp is not null)
                {
                    throw new InvalidOperationException($"{api.Kind} {key} is being deleted; it is created again once it is gone", e);
                }
            }
        }

        EnsureSameController(api.Kind, key, existing, desired);
        var difference = ChildDiff.Compare(existing, desired);
        switch (difference.Change)
        {
            case ChildChange.None:
                return (existing, ChildWrite.Unchanged);
            case ChildChange.Update:
                return (await api.Patch(MergePatch(existing, desired), key.Name, ns, ct), ChildWrite.Patched);
            default:
                await DeleteAsync(api, existing, ct);
                return (await api.Create(desired, ns, ct), ChildWrite.Replaced);
        }
    }

    /// <summary>Merge-patches <paramref name="patch"/> onto the child, guarded by its resourceVersion.</summary>
    public static async Task<T> PatchAsync<T>(ChildApi<T> api, T existing, JsonObject patch, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var metadata = patch["metadata"] as JsonObject ?? [];
        metadata["resourceVersion"] = existing.Metadata.ResourceVersion;
        patch["metadata"] = metadata;
        return await api.Patch(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), existing.Metadata.Name, existing.Metadata.NamespaceProperty, ct);
    }

    /// <summary>
    /// Deletes the child if it is still the object we saw (uid precondition); already gone or replaced counts as done.
    /// Background propagation: a Deployment's ReplicaSets and pods go through garbage collection.
    /// </summary>
    public static async Task<bool> DeleteAsync<T>(ChildApi<T> api, T existing, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (existing.Metadata.DeletionTimestamp is not null)
        {
            return false;
        }

        try
        {
            await api.Delete(existing.Metadata.Name, existing.Metadata.NamespaceProperty, new V1DeleteOptions
            {
                Preconditions = new V1Preconditions { Uid = existing.Metadata.Uid },
                PropagationPolicy = "Background",
            }, ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    // Same name, other controller: never adopt or overwrite what someone else owns.
    private static void EnsureSameController<T>(string kind, ObjectKey key, T existing, T desired)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var want = desired.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid;
        var have = existing.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid;
        if (want is not null && have is not null && want != have)
        {
            throw new InvalidOperationException($"{kind} {key} is controlled by another owner (uid {have}); refusing to take it over");
        }
    }

    // The desired object as a JSON merge patch: every owned field, metadata limited to what we own, nulls dropped
    // (a null would delete a field the server defaulted), and the resourceVersion as an optimistic lock.
    private static V1Patch MergePatch<T>(T existing, T desired)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var body = JsonNode.Parse(KubernetesJson.Serialize(desired))!.AsObject();
        body.Remove("status");
        var wanted = body["metadata"]?.AsObject();
        var metadata = new JsonObject { ["resourceVersion"] = existing.Metadata.ResourceVersion };
        foreach (var field in new[] { "labels", "annotations", "ownerReferences" })
        {
            if (wanted?[field] is { } value)
            {
                metadata[field] = value.DeepClone();
            }
        }

        body["metadata"] = metadata;
        DropNulls(body);
        return new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch);
    }

    private static void DropNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList())
                {
                    obj.Remove(key);
                }

                foreach (var (_, value) in obj)
                {
                    DropNulls(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    DropNulls(item);
                }

                break;
        }
    }
}
