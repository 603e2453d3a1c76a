using System.Text.Json.Nodes;
using AgentOperator.Crds.Validation;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Diagnostics;
using AgentOperator.DevCluster.Discovery;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// Serves the resources a CRD defines as soon as the CRD is written (so a client may create custom resources
/// right after), reports NamesAccepted and Established, and on CRD deletion removes every custom resource
/// (the <c>customresourcecleanup.apiextensions.k8s.io</c> finalizer) before the CRD goes.
/// </summary>
internal sealed class CustomResourceDefinitionRegistrar(ResourceRegistry registry, ILogger<CustomResourceDefinitionRegistrar> logger) : IWriteObserver, IClusterController
{
    private const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";
    private static readonly GroupResource Crds = new("apiextensions.k8s.io", "customresourcedefinitions");
    private ResourceOperations? _ops;

    public GroupResource Resource => Crds;

    public void Attach(ResourceOperations ops) => _ops = ops;

    public void OnCommitted(WatchEventType type, StoredObject obj)
    {
        if (type == WatchEventType.Deleted)
        {
            registry.RemoveCustomResource(obj.Name);
            return;
        }

        var crd = JsonNodeExtensions.ParseObject(obj.Json);
        if (obj.Deleting)
        {
            return;
        }

        registry.SetCustomResource(obj.Name, Build(crd));
        if (crd.Condition("Established")?.Str("status") != "True" || crd.At("metadata", "finalizers") is not JsonArray { Count: > 0 })
        {
            MarkEstablished(obj.Name);
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var ops = _ops!;
        using var sub = ops.Store.Subscribe(Crds, null, null, initialState: false, int.MaxValue, isInternal: true, out _, out _);
        try
        {
            await foreach (var e in sub.ReadAllAsync(ct))
            {
                if (e.Type != WatchEventType.Deleted && e.Object.Deleting)
                {
                    try
                    {
                        CleanUp(ops, e.Object);
                    }
                    catch (ApiException ex)
                    {
                        Log.CrdCleanupFailed(logger, ex, e.Object.Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void CleanUp(ResourceOperations ops, StoredObject crdObject)
    {
        var crd = JsonNodeExtensions.ParseObject(crdObject.Json);
        var storage = new GroupResource(crd.Str("spec", "group") ?? "", crd.Str("spec", "names", "plural") ?? "");
        if (registry.ForStorage(storage) is { } type)
        {
            foreach (var item in ops.Store.List(storage, null, null).Items)
            {
                try
                {
                    ops.Delete(type, item.Namespace, item.Name, new DeleteOptions());
                }
                catch (ApiException e) when (e.Code == 404)
                {
                }
            }

            if (ops.Store.List(storage, null, null).Items.Count > 0)
            {
                return; // finalizers on custom resources still pending; a later event retries
            }
        }

        registry.RemoveCustomResource(crdObject.Name);
        var crdType = registry.ForStorage(Crds)!;
        ops.GuaranteedUpdate(crdType, "", crdObject.Name, null, WriteOptions.Controller, live =>
        {
            if (live.At("metadata", "finalizers") is JsonArray f)
            {
                foreach (var item in f.Where(x => (string?)x == CleanupFinalizer).ToList())
                {
                    f.Remove(item);
                }
            }

            return live;
        });
    }

    private void MarkEstablished(string name)
    {
        var ops = _ops!;
        var crdType = registry.ForStorage(Crds)!;
        var now = ops.Now();
        ops.GuaranteedUpdate(crdType, "", name, null, new WriteOptions("apiextensions-apiserver"), live =>
        {
            var finalizers = live.Metadata()["finalizers"] as JsonArray ?? [];
            if (!finalizers.Any(f => (string?)f == CleanupFinalizer) && live.At("metadata", "deletionTimestamp") is null)
            {
                finalizers.Add(CleanupFinalizer);
            }

            live.Metadata()["finalizers"] = finalizers;
            return live;
        });
        ops.GuaranteedUpdate(crdType, "", name, "status", new WriteOptions("apiextensions-apiserver"), live =>
        {
            var names = live.At("spec", "names")?.DeepClone() as JsonObject ?? [];
            names["singular"] ??= names.Str("kind")?.ToLowerInvariant();
            names["listKind"] ??= names.Str("kind") + "List";
            var storageVersion = (live.At("spec", "versions") as JsonArray ?? []).FirstOrDefault(v => v.Bool("storage") == true).Str("name");
            live["status"] = new JsonObject
            {
                ["acceptedNames"] = names,
                ["conditions"] = new JsonArray(
                    Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                    Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
                ["storedVersions"] = new JsonArray(storageVersion ?? ""),
            };
            return live;
        });
    }

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };

    /// <summary>One <see cref="ResourceType"/> per served version; the storage version first.</summary>
    internal static List<ResourceType> Build(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject ?? [];
        var group = spec.Str("group") ?? "";
        var names = spec["names"] as JsonObject ?? [];
        var plural = names.Str("plural") ?? "";
        var kind = names.Str("kind") ?? "";
        var versions = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var storageVersion = versions.FirstOrDefault(v => v.Bool("storage") == true)?.Str("name") ?? versions.FirstOrDefault()?.Str("name") ?? "v1";
        var served = versions.Where(v => v.Bool("served") != false)
            .OrderBy(v => v.Str("name") == storageVersion ? 0 : 1)
            .ThenBy(v => VersionPriority.Sort(versions.Select(x => x.Str("name") ?? "")).ToList().IndexOf(v.Str("name") ?? ""));
        var result = new List<ResourceType>();
        foreach (var v in served)
        {
            var version = v.Str("name") ?? "";
            var schema = v.At("schema", "openAPIV3Schema") as JsonObject;
            var scale = v.At("subresources", "scale") is JsonObject s
                ? new ScaleSubresource(s.Str("specReplicasPath")?.TrimStart('.') ?? "spec.replicas", s.Str("statusReplicasPath")?.TrimStart('.') ?? "status.replicas", s.Str("labelSelectorPath")?.TrimStart('.'))
                : null;
            result.Add(new ResourceType(group, version, plural, kind, spec.Str("scope") != "Cluster")
            {
                Singular = names.Str("singular") ?? kind.ToLowerInvariant(),
                ShortNames = (names["shortNames"] as JsonArray ?? []).Select(x => (string?)x ?? "").ToList(),
                Categories = (names["categories"] as JsonArray ?? []).Select(x => (string?)x ?? "").ToList(),
                HasStatus = v.At("subresources", "status") is not null,
                Scale = scale,
                TracksGeneration = true,
                AllowUnconditionalUpdate = false,
                IsCustom = true,
                StorageApiVersion = $"{group}/{storageVersion}",
                Columns = Columns(v),
                Schema = Compile(schema),
                OpenApiSchema = schema,
            });
        }

        return result;
    }

    /// <summary>The compiled schema; a CRD whose schema does not compile is served unvalidated (its CEL errors are in the CRD's status in kube).</summary>
    private static CustomResourceSchemaAdapter? Compile(JsonObject? schema)
    {
        if (schema is null)
        {
            return null;
        }

        try
        {
            return new CustomResourceSchemaAdapter(CustomResourceSchema.Compile(schema.DeepClone()));
        }
        catch (SchemaCompilationException)
        {
            return null;
        }
    }

    private static List<PrinterColumn> Columns(JsonObject version)
    {
        var columns = new List<PrinterColumn> { BuiltInResources.NameColumn };
        if (version["additionalPrinterColumns"] is not JsonArray { Count: > 0 } declared)
        {
            columns.Add(BuiltInResources.AgeColumn);
            return columns;
        }

        foreach (var c in declared.OfType<JsonObject>())
        {
            var path = JsonPathExpression.Parse(c.Str("jsonPath") ?? "");
            var type = c.Str("type") ?? "string";
            columns.Add(new PrinterColumn(c.Str("name") ?? "", type, c.Str("description") ?? "", (int)(c.Long("priority") ?? 0), (obj, now) =>
            {
                var values = path.Select(obj);
                if (values.Count == 0)
                {
                    return null;
                }

                var first = values[0];
                return type switch
                {
                    "date" => JsonValue.Create(HumanDuration.Since(first.ToString(), now)),
                    "integer" or "number" or "boolean" when values.Count == 1 && first is JsonValue => first.DeepClone(),
                    _ => JsonValue.Create(string.Join(",", values.Select(x => x is JsonValue jv && jv.GetValueKind() == System.Text.Json.JsonValueKind.String ? jv.GetValue<string>() : x.ToJsonString()))),
                };
            })
            { Format = c.Str("format") ?? "" });
        }

        return columns;
    }
}
