using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Admission;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Patching;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The object semantics of kube-apiserver's generic registry, for every resource alike: metadata ownership
/// (uid, creationTimestamp, generation, resourceVersion), optimistic concurrency, status/spec separation,
/// finalizers and deletionTimestamp, namespace lifecycle, custom-resource schemas. HTTP handlers and the
/// in-process controllers both write through here. Writes by clients (those with a user) pass validating admission
/// after the object is final and before it is stored; the server's own controllers are not admitted.
/// </summary>
internal sealed class ResourceOperations(ObjectStore store, ResourceRegistry registry, TimeProvider time, FieldManager fields, IEnumerable<IWriteObserver> observers, IValidatingAdmission? admission = null)
{
    private const int MaxRetries = 32;
    private static readonly GroupResource Pods = new("", "pods");
    private static readonly GroupResource Claims = new("", "persistentvolumeclaims");
    private readonly ILookup<GroupResource, IWriteObserver> _observers = observers.ToLookup(o => o.Resource);

    public ObjectStore Store => store;

    /// <summary>The Service ClusterIP range new Services get their address from.</summary>
    public ServiceClusterIps ClusterIps { get; init; } = new(ServiceClusterIps.DefaultRange);

    /// <summary>New claims and volumes get the protection finalizers (on with the node, whose controllers remove them).</summary>
    public bool StorageObjectInUseProtection { get; init; }

    public ResourceRegistry Registry => registry;

    public TimeProvider Time => time;

    public string Now() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The stored object converted to <paramref name="type"/>'s version.</summary>
    public static JsonObject ToServed(ResourceType type, StoredObject stored)
    {
        var obj = JsonNodeExtensions.ParseObject(stored.Json);
        return ToServed(type, obj);
    }

    public static JsonObject ToServed(ResourceType type, JsonObject storedForm)
    {
        if (type.Converter is { } c)
        {
            return c.FromStorage(storedForm);
        }

        if (type.ApiVersion != type.StorageApiVersion)
        {
            storedForm["apiVersion"] = type.ApiVersion;
        }

        return storedForm;
    }

    public JsonObject Get(ResourceType type, string ns, string name) =>
        ToServed(type, store.Get(type.Storage, ns, name) ?? throw ApiErrors.NotFound(type.Key, name));

    public JsonObject? TryGet(ResourceType type, string ns, string name) =>
        store.Get(type.Storage, ns, name) is { } s ? ToServed(type, s) : null;

    /// <summary>Creates an object; returns it as stored (served form).</summary>
    public JsonObject Create(ResourceType type, string ns, JsonObject body, WriteOptions options, bool fieldsAlreadyManaged = false)
    {
        var requestedName = body.Str("metadata", "name") ?? "";
        var obj = PrepareCreate(type, ns, body, options, fieldsAlreadyManaged);
        Admit(type, "CREATE", ns, requestedName, options.RequestSubresource, obj, null, options.User, options.DryRun, options.Warn, Options("CreateOptions", options));
        if (options.DryRun)
        {
            return obj;
        }

        var stored = store.Create(type.Storage, ToStorage(type, obj));
        Notify(type, WatchEventType.Added, stored);

        // The store stamped resourceVersion into the object it serialized; without a version conversion that
        // object is exactly what was stored, so it is returned instead of re-parsing the stored bytes.
        return type.Converter is null && type.ApiVersion == type.StorageApiVersion ? obj : ToServed(type, stored);
    }

    /// <summary>Validates and fills a new object without storing it (shared by create and apply-create).</summary>
    public JsonObject PrepareCreate(ResourceType type, string ns, JsonObject body, WriteOptions options, bool fieldsAlreadyManaged = false)
    {
        var obj = body.CloneObject();
        CheckTypeMeta(type, obj);
        var meta = obj.Metadata();
        if (type.Namespaced)
        {
            var bodyNs = meta.Str("namespace");
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                throw ApiErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        var name = meta.Str("name");
        if (string.IsNullOrEmpty(name) && meta.Str("generateName") is { Length: > 0 } prefix)
        {
            name = ObjectNames.Generate(prefix);
            meta["name"] = name;
        }

        if (string.IsNullOrEmpty(name))
        {
            throw ApiErrors.Invalid(type.Group, type.Kind, "", [new FieldError("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")]);
        }

        if (ObjectNames.Validate(type.Storage.Resource, name) is { Count: > 0 } nameErrors)
        {
            throw ApiErrors.Invalid(type.Group, type.Kind, name, nameErrors);
        }

        if (type.Namespaced)
        {
            RequireLiveNamespace(type, ns, name);
        }

        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");
        if (type.TracksGeneration)
        {
            meta["generation"] = 1;
        }
        else
        {
            meta.Remove("generation");
        }

        if (type.IsCustom && type.HasStatus)
        {
            obj.Remove("status");
        }

        SecretStringData.MergeIntoData(type, obj);
        BuiltInDefaults.OnCreate(type, obj, () => ClusterIps.Allocate(ClusterIpsInUse()).ToString());
        BuiltInDefaults.OnWrite(type, obj);
        if (type.Storage == Pods)
        {
            var account = store.Get(new GroupResource("", "serviceaccounts"), ns, obj.Str("spec", "serviceAccountName") ?? "default");
            ServiceAccountTokenVolume.Mount(obj, account is null ? null : JsonNodeExtensions.ParseObject(account.Json).Bool("automountServiceAccountToken"));
        }

        if (type.Storage == Claims)
        {
            DefaultStorageClass.Admit(store, obj);
        }

        if (StorageObjectInUseProtection)
        {
            Admission.StorageObjectInUseProtection.Admit(type.Storage, obj);
        }

        BuiltInValidation.Validate(type, obj, null, name);
        ApplySchema(type, obj, null, name, options);
        if (!fieldsAlreadyManaged)
        {
            fields.RecordUpdate(type, null, obj, options.FieldManager, null);
        }

        return obj;
    }

    /// <summary>PUT: replaces the object (or its status when <paramref name="subresource"/> is "status").</summary>
    public JsonObject Update(ResourceType type, string ns, string name, JsonObject body, string? subresource, WriteOptions options)
    {
        CheckTypeMeta(type, body);
        var bodyName = body.Str("metadata", "name");
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw ApiErrors.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        if (type.Namespaced && body.Str("metadata", "namespace") is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            throw ApiErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        if (string.IsNullOrEmpty(body.Str("metadata", "resourceVersion")) && !type.AllowUnconditionalUpdate)
        {
            throw ApiErrors.Invalid(type.Group, type.Kind, name, [new FieldError("FieldValueInvalid", "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")]);
        }

        return GuaranteedUpdate(type, ns, name, subresource, options, _ => body.CloneObject());
    }

    /// <summary>
    /// Read-modify-write with compare-and-swap, retried when another writer got in between (etcd's
    /// GuaranteedUpdate). A resourceVersion in the new object is a precondition: a mismatch is a 409 Conflict.
    /// </summary>
    public JsonObject GuaranteedUpdate(ResourceType type, string ns, string name, string? subresource, WriteOptions options, Func<JsonObject, JsonObject> mutate, bool fieldsAlreadyManaged = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = store.Get(type.Storage, ns, name) ?? throw ApiErrors.NotFound(type.Key, name);
            var current = ToServed(type, stored);
            var updated = mutate(current.CloneObject());
            var result = PrepareUpdate(type, current, updated, subresource, options, fieldsAlreadyManaged);

            // Like kube-apiserver, admission sees no-op updates too (they are detected after admission, in storage).
            Admit(type, "UPDATE", ns, name, options.RequestSubresource ?? subresource, result, current, options.User, options.DryRun, options.Warn, Options("UpdateOptions", options));
            if (JsonNode.DeepEquals(current, result))
            {
                return current;
            }

            if (options.DryRun)
            {
                return result;
            }

            try
            {
                var committed = store.Update(type.Storage, ToStorage(type, result), stored.ResourceVersion);
                Notify(type, WatchEventType.Modified, committed);
                return CompleteDeletionIfDone(type, committed)
                    ?? (type.Converter is null && type.ApiVersion == type.StorageApiVersion ? result : ToServed(type, committed));
            }
            catch (RevisionMismatchException) when (attempt < MaxRetries)
            {
                // Someone else wrote in between; re-read and re-apply. An explicit resourceVersion precondition
                // in the new object makes the next attempt fail with 409 in PrepareUpdate.
            }
        }
    }

    /// <summary>The new object as it will be stored; equal to <paramref name="current"/> when the write changes nothing (no new revision, like kube-apiserver).</summary>
    private JsonObject PrepareUpdate(ResourceType type, JsonObject current, JsonObject updated, string? subresource, WriteOptions options, bool fieldsAlreadyManaged)
    {
        var name = current.Str("metadata", "name")!;
        var requested = updated.Str("metadata", "resourceVersion");
        if (!string.IsNullOrEmpty(requested) && requested != current.Str("metadata", "resourceVersion"))
        {
            throw ApiErrors.Conflict(type.Key, name, ApiErrors.ObjectModified);
        }

        JsonObject result;
        if (subresource == "status")
        {
            // The status subresource ignores every change outside .status.
            result = current.CloneObject();
            if (updated["status"] is { } status)
            {
                result["status"] = status.DeepClone();
            }
            else
            {
                result.Remove("status");
            }
        }
        else
        {
            result = updated;
            result["apiVersion"] = type.ApiVersion;
            result["kind"] = type.Kind;
            if (type.HasStatus)
            {
                // The main resource ignores .status when a status subresource exists.
                if (current["status"] is { } s)
                {
                    result["status"] = s.DeepClone();
                }
                else
                {
                    result.Remove("status");
                }
            }

            var meta = result.Metadata();
            var oldMeta = current.Metadata();
            foreach (var immutable in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                if (oldMeta[immutable] is { } v)
                {
                    meta[immutable] = v.DeepClone();
                }
                else
                {
                    meta.Remove(immutable);
                }
            }

            if (oldMeta["deletionTimestamp"] is not null && AddsFinalizer(oldMeta, meta))
            {
                throw ApiErrors.Invalid(type.Group, type.Kind, name, [new FieldError("FieldValueForbidden", "metadata.finalizers", "Forbidden: no new finalizers can be added if the object is being deleted")]);
            }

            SecretStringData.MergeIntoData(type, result);
            BuiltInDefaults.OnWrite(type, result); // before the generation check: defaults never move it
            if (type.TracksGeneration && SpecChanged(type, current, result))
            {
                meta["generation"] = (current.Long("metadata", "generation") ?? 0) + 1;
            }

            BuiltInValidation.Validate(type, result, current, name);
            ApplySchema(type, result, current, name, options);
        }

        result.Metadata()["resourceVersion"] = current.Str("metadata", "resourceVersion");
        if (fieldsAlreadyManaged)
        {
            if (subresource == "status" && updated.At("metadata", "managedFields") is { } managed)
            {
                result.Metadata()["managedFields"] = managed.DeepClone();
            }
        }
        else
        {
            fields.RecordUpdate(type, current, result, options.FieldManager, subresource);
        }

        return result;
    }

    /// <summary>DELETE: immediate when nothing holds the object, otherwise marks it with deletionTimestamp (202).</summary>
    public (JsonObject Object, bool Deleted) Delete(ResourceType type, string ns, string name, DeleteOptions options)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = store.Get(type.Storage, ns, name) ?? throw ApiErrors.NotFound(type.Key, name);
            var current = ToServed(type, stored);
            if (options.PreconditionUid is { Length: > 0 } uid && uid != stored.Uid)
            {
                throw ApiErrors.Conflict(type.Key, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {stored.Uid}");
            }

            if (options.PreconditionResourceVersion is { Length: > 0 } rv && rv != current.Str("metadata", "resourceVersion"))
            {
                throw ApiErrors.Conflict(type.Key, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.Str("metadata", "resourceVersion")}");
            }

            if (attempt == 0)
            {
                var deleteOptions = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "meta.k8s.io/v1" };
                if (options.PropagationPolicy is { } propagation)
                {
                    deleteOptions["propagationPolicy"] = propagation;
                }

                Admit(type, "DELETE", ns, name, null, null, current, options.User, options.DryRun, options.Warn, deleteOptions);
            }

            var meta = current.Metadata();
            var finalizers = meta["finalizers"] as JsonArray ?? [];
            var policyFinalizer = options.PropagationPolicy switch
            {
                "Foreground" => "foregroundDeletion",
                "Orphan" => "orphan",
                _ => null,
            };
            var namespaceFinalizing = type.Storage == new GroupResource("", "namespaces");
            if (finalizers.Count == 0 && policyFinalizer is null && !namespaceFinalizing)
            {
                if (options.DryRun)
                {
                    return (current, true);
                }

                try
                {
                    var deleted = store.Delete(type.Storage, ns, name, stored.ResourceVersion);
                    Notify(type, WatchEventType.Deleted, deleted);
                    return (ToServed(type, deleted), true);
                }
                catch (RevisionMismatchException) when (attempt < MaxRetries)
                {
                    continue;
                }
            }

            if (meta["deletionTimestamp"] is not null && policyFinalizer is null)
            {
                return (current, false);
            }

            var marked = current.CloneObject();
            var markedMeta = marked.Metadata();
            markedMeta["deletionTimestamp"] ??= Now();
            markedMeta["deletionGracePeriodSeconds"] ??= 0;
            if (policyFinalizer is not null && !finalizers.Any(f => (string?)f == policyFinalizer))
            {
                var list = markedMeta["finalizers"] as JsonArray ?? [];
                list.Add(policyFinalizer);
                markedMeta["finalizers"] = list;
            }

            if (namespaceFinalizing)
            {
                marked.Obj("status")["phase"] = "Terminating";
            }

            if (options.DryRun)
            {
                return (marked, false);
            }

            try
            {
                var committed = store.Update(type.Storage, ToStorage(type, marked), stored.ResourceVersion);
                Notify(type, WatchEventType.Modified, committed);
                return (ToServed(type, committed), false);
            }
            catch (RevisionMismatchException) when (attempt < MaxRetries)
            {
            }
        }
    }

    /// <summary>Removes an object that is being deleted once its last finalizer is gone.</summary>
    private JsonObject? CompleteDeletionIfDone(ResourceType type, StoredObject committed)
    {
        if (!committed.Deleting)
        {
            return null;
        }

        var obj = JsonNodeExtensions.ParseObject(committed.Json);
        var hasFinalizers = obj.At("metadata", "finalizers") is JsonArray { Count: > 0 };
        var namespaceFinalizers = type.Storage == new GroupResource("", "namespaces") && obj.At("spec", "finalizers") is JsonArray { Count: > 0 };
        if (hasFinalizers || namespaceFinalizers)
        {
            return null;
        }

        try
        {
            var deleted = store.Delete(type.Storage, committed.Namespace, committed.Name, committed.ResourceVersion);
            Notify(type, WatchEventType.Deleted, deleted);
            return ToServed(type, deleted);
        }
        catch (RevisionMismatchException)
        {
            return null; // a newer write will complete it
        }
        catch (ApiException)
        {
            return null;
        }
    }

    private void Admit(ResourceType type, string operation, string ns, string name, string? subresource, JsonObject? obj, JsonObject? old, UserInfo? user, bool dryRun, Action<string>? warn, JsonObject options)
    {
        if (admission is null || user is null)
        {
            return;
        }

        admission.Validate(new AdmissionRequest(type, operation, ns, name, subresource ?? "", obj, old, user, dryRun, options) { Warn = warn });
    }

    private static JsonObject Options(string kind, WriteOptions options)
    {
        var result = new JsonObject { ["kind"] = kind, ["apiVersion"] = "meta.k8s.io/v1", ["fieldManager"] = options.FieldManager };
        if (options.DryRun)
        {
            result["dryRun"] = new JsonArray("All");
        }

        return result;
    }

    private static JsonObject ToStorage(ResourceType type, JsonObject served)
    {
        if (type.Converter is { } c)
        {
            return c.ToStorage(served);
        }

        served["apiVersion"] = type.StorageApiVersion;
        return served;
    }

    private HashSet<string> ClusterIpsInUse() => store.List(new GroupResource("", "services"), null, null).Items
        .Select(s => JsonNodeExtensions.ParseObject(s.Json).Str("spec", "clusterIP")).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private void Notify(ResourceType type, WatchEventType eventType, StoredObject stored)
    {
        foreach (var observer in _observers[type.Storage])
        {
            observer.OnCommitted(eventType, stored);
        }
    }

    private void RequireLiveNamespace(ResourceType type, string ns, string name)
    {
        var nsObject = store.Get(new GroupResource("", "namespaces"), "", ns) ?? throw ApiErrors.NotFound(new GroupResource("", "namespaces"), ns);
        if (nsObject.Deleting)
        {
            throw ApiErrors.Forbidden(type.Key, name, $"{type.Key} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private static void ApplySchema(ResourceType type, JsonObject obj, JsonObject? old, string name, WriteOptions options)
    {
        if (type.Schema is not { } schema)
        {
            return;
        }

        var unknown = schema.Prune(obj);
        if (unknown.Count > 0 && options.FieldValidation == "Strict")
        {
            var detail = unknown.Count == 1 ? $"unknown field \"{unknown[0]}\"" : string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""));
            throw ApiErrors.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: {detail}");
        }

        schema.ApplyDefaults(obj);
        if (schema.Validate(obj, old) is { Count: > 0 } errors)
        {
            throw ApiErrors.Invalid(type.Group, type.Kind, name, errors);
        }
    }

    private static void CheckTypeMeta(ResourceType type, JsonObject obj)
    {
        var apiVersion = obj.Str("apiVersion");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion)
        {
            throw ApiErrors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        var kind = obj.Str("kind");
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw ApiErrors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }

        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
    }

    private static bool AddsFinalizer(JsonObject oldMeta, JsonObject newMeta)
    {
        var before = (oldMeta["finalizers"] as JsonArray ?? []).Select(f => (string?)f).ToHashSet();
        return (newMeta["finalizers"] as JsonArray ?? []).Any(f => !before.Contains((string?)f));
    }

    /// <summary>Generation moves on any change outside metadata (and status, when status is a subresource).</summary>
    private static bool SpecChanged(ResourceType type, JsonObject before, JsonObject after)
    {
        var keys = before.Select(kv => kv.Key).Concat(after.Select(kv => kv.Key)).Distinct()
            .Where(k => k is not ("metadata" or "apiVersion" or "kind") && !(type.HasStatus && k == "status"));
        return keys.Any(k => !JsonNode.DeepEquals(before[k], after[k]));
    }
}
