using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Faults;
using AgentOperator.DevCluster.Patching;
using AgentOperator.DevCluster.Storage;
using AgentOperator.DevCluster.Watch;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The REST surface of every resource: decodes the URL and verb, authorizes, and maps to
/// <see cref="ResourceOperations"/>: get, list (selectors, paging, Table), watch, create, update, patch
/// (JSON, merge, strategic, apply), delete, deletecollection, and the status, scale and token subresources.
/// </summary>
internal sealed class ResourceHandler(
    ResourceOperations ops,
    WatchStreamer watches,
    RbacAuthorizer authorizer,
    AccessReviews reviews,
    FaultInjector faults,
    FieldManager fields)
{
    public const string UserItem = "devcluster.user";

    public async Task HandleAsync(HttpContext ctx, ApiPath path)
    {
        var type = ops.Registry.Find(path.Group, path.Version, path.Resource) ?? throw NotFoundPath();
        if ((path.Namespace is not null && !type.Namespaced) || (path.Namespace is null && type.Namespaced && path.Name is not null))
        {
            throw NotFoundPath();
        }

        var method = ctx.Request.Method;
        var query = ctx.Request.Query;
        var isWatch = query["watch"] is var w && (w == "true" || w == "1");
        var verb = (method, path.Name) switch
        {
            ("GET", null) => isWatch ? "watch" : "list",
            ("GET", _) => "get",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", null) => "deletecollection",
            ("DELETE", _) => "delete",
            _ => throw ApiErrors.MethodNotAllowed($"the server does not allow this method on the requested resource"),
        };
        if (!type.Verbs.Contains(verb) && !(path.Subresource is "token" && verb == "create"))
        {
            throw ApiErrors.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var user = (UserInfo)ctx.Items[UserItem]!;
        var ns = path.Namespace ?? "";
        // Like kube-apiserver's RequestInfoFactory: a list or watch narrowed to one name by fieldSelector=metadata.name=X
        // is authorized as a request for that name, so a Role with resourceNames allows an informer on one object.
        var authorizedName = path.Name ?? (verb is "list" or "watch" ? SelectedName(query["fieldSelector"].ToString()) : null);
        var attributes = new RequestAttributes(verb, type.Group, type.Resource, path.Subresource ?? "", ns, authorizedName ?? "", true, ctx.Request.Path);
        var (allowed, _) = authorizer.Authorize(user, attributes);
        if (!allowed)
        {
            var message = path.Name is { } n
                ? $"{type.Key} \"{n}\" is forbidden: {attributes.ForbiddenMessage(user.Name)}"
                : $"{type.Key} is forbidden: {attributes.ForbiddenMessage(user.Name)}";
            throw ApiErrors.Forbidden(type.Key, path.Name ?? "", message);
        }

        await faults.BeforeRequestAsync(verb, type.Resource, path.Name ?? "", type.Key, ctx.RequestAborted);
        var options = new WriteOptions(FieldManagerOf(ctx), query["force"] == "true", query["dryRun"] == "All", user, query["fieldValidation"])
        {
            Warn = text => AddWarning(ctx, text),
            RequestSubresource = path.Subresource == "scale" ? "scale" : null,
        };
        var accept = ctx.Request.Headers.Accept.ToString();
        switch (verb)
        {
            case "get":
                await GetAsync(ctx, type, ns, path.Name!, path.Subresource, accept);
                break;
            case "list":
                await ListAsync(ctx, type, path.Namespace, accept);
                break;
            case "watch":
                await watches.StreamAsync(ctx, type, path.Namespace, ParseListOptions(ctx, type), TableConverter.Wants(accept), query["includeObject"], ctx.RequestAborted);
                break;
            case "create":
                await CreateAsync(ctx, type, ns, path, user, options);
                break;
            case "update":
                await UpdateAsync(ctx, type, ns, path.Name!, path.Subresource, options);
                break;
            case "patch":
                await PatchAsync(ctx, type, ns, path.Name!, path.Subresource, options);
                break;
            case "delete":
                await DeleteAsync(ctx, type, ns, path.Name!, options);
                break;
            case "deletecollection":
                await DeleteCollectionAsync(ctx, type, path.Namespace, options);
                break;
        }
    }

    /// <summary>An HTTP warning as kube-apiserver sends it: <c>299 - "text"</c>, with quotes and backslashes escaped.</summary>
    private static void AddWarning(HttpContext ctx, string text)
    {
        var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        ctx.Response.Headers.Append("Warning", $"299 - \"{escaped}\"");
    }

    public bool IsNamespaced(string group, string version, string resource) =>
        ops.Registry.Find(group, version, resource)?.Namespaced == true;

    public static ApiException NotFoundPath() =>
        new(404, ApiErrors.Status(404, "NotFound", "the server could not find the requested resource", new JsonObject()));

    private async Task GetAsync(HttpContext ctx, ResourceType type, string ns, string name, string? subresource, string accept)
    {
        var obj = ops.Get(type, ns, name);
        switch (subresource)
        {
            case null or "status":
                break;
            case "scale" when type.Scale is not null:
                await HttpJson.WriteAsync(ctx, 200, ToScale(type, obj));
                return;
            default:
                throw NotFoundPath();
        }

        if (TableConverter.Wants(accept))
        {
            await HttpJson.WriteAsync(ctx, 200, TableConverter.Convert(type, [obj], null, null, ctx.Request.Query["includeObject"], ops.Time.GetUtcNow()), TableContentType);
            return;
        }

        await HttpJson.WriteAsync(ctx, 200, obj);
    }

    private const string TableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    private async Task ListAsync(HttpContext ctx, ResourceType type, string? ns, string accept)
    {
        var list = ParseListOptions(ctx, type);
        ValidateListOptions(list);
        string? startAfter = null;
        long? atRevision = await ListRevisionAsync(list, ctx.RequestAborted);
        if (!string.IsNullOrEmpty(list.Continue))
        {
            var (revision, lastKey) = ContinueToken.Decode(list.Continue);
            if (revision < ops.Store.CompactedRevision)
            {
                throw ApiErrors.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            }

            // Every page of a paged list shows the state at the first page's revision.
            startAfter = lastKey;
            atRevision = revision;
        }

        List<StoredObject> items;
        long rv;
        try
        {
            (items, rv) = ops.Store.List(type.Storage, ns, startAfter, atRevision);
        }
        catch (RevisionExpiredException)
        {
            throw ApiErrors.Gone("The resourceVersion for the provided list is too old.");
        }
        var needsParse = list.FieldSelector is not null || type.Converter is not null || type.ApiVersion != type.StorageApiVersion || TableConverter.Wants(accept);
        var selected = new List<(StoredObject Stored, JsonObject? Served)>();
        string? nextToken = null;
        var remaining = 0;
        foreach (var item in items)
        {
            if (list.LabelSelector is not null && !list.LabelSelector.Matches(item.Labels))
            {
                continue;
            }

            JsonObject? served = needsParse ? ResourceOperations.ToServed(type, item) : null;
            if (list.FieldSelector is not null && !list.FieldSelector.Matches(served!))
            {
                continue;
            }

            if (list.Limit is { } limit && limit > 0 && selected.Count >= limit)
            {
                remaining++;
                continue;
            }

            selected.Add((item, served));
        }

        if (remaining > 0)
        {
            nextToken = ContinueToken.Encode(rv, selected[^1].Stored.Key);
        }

        var rvText = rv.ToString(CultureInfo.InvariantCulture);
        if (TableConverter.Wants(accept))
        {
            var table = TableConverter.Convert(type, selected.Select(s => s.Served!), rvText, nextToken, ctx.Request.Query["includeObject"], ops.Time.GetUtcNow());
            if (remaining > 0)
            {
                table.Metadata()["remainingItemCount"] = remaining;
            }

            await HttpJson.WriteAsync(ctx, 200, table, TableContentType);
            return;
        }

        var meta = new JsonObject { ["resourceVersion"] = rvText };
        if (nextToken is not null)
        {
            meta["continue"] = nextToken;
            meta["remainingItemCount"] = remaining;
        }

        // Items are spliced in as the stored bytes: a list of thousands costs no re-serialization.
        using var buffer = new MemoryStream();
        buffer.Write(Encoding.UTF8.GetBytes($"{{\"kind\":\"{type.ListKind}\",\"apiVersion\":\"{type.ApiVersion}\",\"metadata\":{meta.ToJsonString(JsonOptions.Compact)},\"items\":["));
        for (var i = 0; i < selected.Count; i++)
        {
            if (i > 0)
            {
                buffer.WriteByte((byte)',');
            }

            var json = selected[i].Served is { } s ? s.ToUtf8() : selected[i].Stored.Json;
            if (type.IsCustom)
            {
                buffer.Write(json);
            }
            else
            {
                // Built-in lists are typed (their items carry no kind/apiVersion); custom resource lists are unstructured.
                TypeMetaStripper.WriteWithoutTypeMeta(buffer, json);
            }
        }

        buffer.Write("]}"u8);
        await HttpJson.WriteAsync(ctx, 200, buffer.ToArray());
    }

    private async Task CreateAsync(HttpContext ctx, ResourceType type, string ns, ApiPath path, UserInfo user, WriteOptions options)
    {
        var body = await HttpJson.ReadObjectAsync(ctx);
        if (path.Subresource == "token" && type.Storage == new GroupResource("", "serviceaccounts"))
        {
            await HttpJson.WriteAsync(ctx, 201, reviews.TokenRequest(ops, ns, path.Name!, body));
            return;
        }

        if (path.Name is not null)
        {
            throw ApiErrors.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        if (type.IsVirtual)
        {
            var answer = type.Resource switch
            {
                "tokenreviews" => reviews.TokenReview(body),
                "subjectaccessreviews" => reviews.SubjectAccessReview(body),
                "selfsubjectaccessreviews" => reviews.SelfSubjectAccessReview(body, user),
                "selfsubjectreviews" => AccessReviews.SelfSubjectReview(body, user),
                "selfsubjectrulesreviews" => reviews.SelfSubjectRulesReview(body, user),
                _ => throw NotFoundPath(),
            };
            await HttpJson.WriteAsync(ctx, 201, answer);
            return;
        }

        await HttpJson.WriteAsync(ctx, 201, ops.Create(type, ns, body, options));
    }

    private async Task UpdateAsync(HttpContext ctx, ResourceType type, string ns, string name, string? subresource, WriteOptions options)
    {
        var body = await HttpJson.ReadObjectAsync(ctx);
        switch (subresource)
        {
            case null:
                await HttpJson.WriteAsync(ctx, 200, ops.Update(type, ns, name, body, null, options));
                return;
            case "status" when type.HasStatus:
                await HttpJson.WriteAsync(ctx, 200, ops.Update(type, ns, name, body, "status", options));
                return;
            case "scale" when type.Scale is not null:
                var replicas = body.Long("spec", "replicas") ?? 0;
                var precondition = body.Str("metadata", "resourceVersion");
                var updated = ops.GuaranteedUpdate(type, ns, name, null, options, live =>
                {
                    if (!string.IsNullOrEmpty(precondition))
                    {
                        live.Metadata()["resourceVersion"] = precondition;
                    }

                    return SetReplicas(type, live, replicas);
                });
                await HttpJson.WriteAsync(ctx, 200, ToScale(type, updated));
                return;
            default:
                throw NotFoundPath();
        }
    }

    private async Task PatchAsync(HttpContext ctx, ResourceType type, string ns, string name, string? subresource, WriteOptions options)
    {
        var contentType = (ctx.Request.ContentType ?? "").Split(';')[0].Trim();
        var patch = await HttpJson.ReadBodyAsync(ctx);
        if (subresource is not (null or "status" or "scale") || (subresource == "status" && !type.HasStatus) || (subresource == "scale" && type.Scale is null))
        {
            throw NotFoundPath();
        }

        if (contentType == "application/apply-patch+yaml")
        {
            await ApplyAsync(ctx, type, ns, name, subresource, Encoding.UTF8.GetString(patch), options);
            return;
        }

        Func<JsonObject, JsonObject> patcher = contentType switch
        {
            "application/json-patch+json" => ParseJsonPatch(patch),
            "application/merge-patch+json" => ParseMergePatch(patch),
            "application/strategic-merge-patch+json" when !type.IsCustom => ParseStrategicPatch(patch),
            _ => throw ApiErrors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{(type.IsCustom ? "" : ", application/strategic-merge-patch+json")}"),
        };

        if (subresource == "scale")
        {
            var scaled = ops.GuaranteedUpdate(type, ns, name, null, options, live =>
            {
                var scale = patcher(ToScale(type, live));
                if (scale.Str("metadata", "resourceVersion") is { Length: > 0 } rv)
                {
                    live.Metadata()["resourceVersion"] = rv;
                }

                return SetReplicas(type, live, scale.Long("spec", "replicas") ?? 0);
            });
            await HttpJson.WriteAsync(ctx, 200, ToScale(type, scaled));
            return;
        }

        await HttpJson.WriteAsync(ctx, 200, ops.GuaranteedUpdate(type, ns, name, subresource, options, patcher));
    }

    private async Task ApplyAsync(HttpContext ctx, ResourceType type, string ns, string name, string? subresource, string yaml, WriteOptions options)
    {
        if (string.IsNullOrEmpty(ctx.Request.Query["fieldManager"]))
        {
            throw ApiErrors.BadRequest("PATCH requests with apply content type require a field manager");
        }

        if (YamlToJson.Parse(yaml) is not JsonObject config)
        {
            throw ApiErrors.BadRequest("error decoding YAML: the apply configuration must be an object");
        }

        if (string.IsNullOrEmpty(config.Str("apiVersion")) || string.IsNullOrEmpty(config.Str("kind")))
        {
            throw ApiErrors.BadRequest("invalid object type: apiVersion and kind must be set");
        }

        var configName = config.Str("metadata", "name");
        if (!string.IsNullOrEmpty(configName) && configName != name)
        {
            throw ApiErrors.BadRequest($"the name of the object ({configName}) does not match the name on the URL ({name})");
        }

        config.Metadata()["name"] = name;
        if (ops.TryGet(type, ns, name) is null && subresource is null)
        {
            var initial = fields.ApplyConfiguration(type, null, config, options.FieldManager, options.Force);
            try
            {
                await HttpJson.WriteAsync(ctx, 201, ops.Create(type, ns, initial, options, fieldsAlreadyManaged: true));
                return;
            }
            catch (ApiException e) when ((string?)e.Status["reason"] == "AlreadyExists")
            {
                // A concurrent apply created it first: kube-apiserver's store retries as an update, so the apply merges.
            }
        }

        var applied = ops.GuaranteedUpdate(type, ns, name, subresource, options, live => fields.ApplyConfiguration(type, live, config, options.FieldManager, options.Force), fieldsAlreadyManaged: true);
        await HttpJson.WriteAsync(ctx, 200, applied);
    }

    private async Task DeleteAsync(HttpContext ctx, ResourceType type, string ns, string name, WriteOptions caller)
    {
        var options = await ReadDeleteOptionsAsync(ctx) with { User = caller.User, Warn = caller.Warn };
        var (obj, deleted) = ops.Delete(type, ns, name, options);

        // handlers/delete.go: 200, or 202 only when a pending deletion was asked for with orphanDependents=false.
        var code = !deleted && options.OrphanDependents == false ? 202 : 200;
        await HttpJson.WriteAsync(ctx, code, deleted && !type.ReturnsDeletedObject ? DeletedStatus(type, obj) : obj);
    }

    /// <summary>genericregistry.Store.finalizeDelete: Success with the name, group, resource (as kind) and uid.</summary>
    private static JsonObject DeletedStatus(ResourceType type, JsonObject deleted)
    {
        var details = new JsonObject { ["name"] = deleted.Str("metadata", "name") };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Resource;
        details["uid"] = deleted.Str("metadata", "uid");
        return new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["details"] = details };
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, ResourceType type, string? ns, WriteOptions caller)
    {
        var options = await ReadDeleteOptionsAsync(ctx) with { User = caller.User, Warn = caller.Warn };
        var list = ParseListOptions(ctx, type);
        var (items, rv) = ops.Store.List(type.Storage, ns, null);
        var deleted = new JsonArray();
        foreach (var item in items.Where(i => list.LabelSelector is null || list.LabelSelector.Matches(i.Labels)))
        {
            if (list.FieldSelector is not null && !list.FieldSelector.Matches(ResourceOperations.ToServed(type, item)))
            {
                continue;
            }

            try
            {
                var gone = ops.Delete(type, item.Namespace, item.Name, options).Object;
                if (!type.IsCustom)
                {
                    gone.Remove("apiVersion");
                    gone.Remove("kind");
                }

                deleted.Add(gone);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }

        await HttpJson.WriteAsync(ctx, 200, new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = ops.Store.CurrentRevision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
        _ = rv;
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpContext ctx)
    {
        var query = ctx.Request.Query;
        var body = await HttpJson.ReadBodyAsync(ctx);
        JsonObject? o = null;
        if (body.Length > 0)
        {
            try
            {
                o = JsonNodeExtensions.ParseObject(body);
            }
            catch (System.Text.Json.JsonException)
            {
                throw ApiErrors.BadRequest("the body of the request was in an unknown format");
            }
        }

        var policy = o.Str("propagationPolicy") ?? (string?)query["propagationPolicy"];
        if (policy is null && (o.Bool("orphanDependents") == true || query["orphanDependents"] == "true"))
        {
            policy = "Orphan";
        }

        var dryRun = query["dryRun"] == "All" || (o?["dryRun"] is JsonArray d && d.Any(x => (string?)x == "All"));
        var orphan = o.Bool("orphanDependents") ?? (bool.TryParse(query["orphanDependents"], out var q) ? q : null);
        return new DeleteOptions(policy, o.Str("preconditions", "uid"), o.Str("preconditions", "resourceVersion"), dryRun) { OrphanDependents = orphan };
    }

    /// <summary>ValidateListOptions (k8s.io/apimachinery meta/internalversion/validation) for a list: 422 on ListOptions.meta.k8s.io.</summary>
    private static void ValidateListOptions(ListOptions list)
    {
        var errors = new List<FieldError>();
        if (list.ResourceVersionMatch is { Length: > 0 } match)
        {
            if (string.IsNullOrEmpty(list.ResourceVersion))
            {
                errors.Add(new("FieldValueForbidden", "resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"));
            }

            if (!string.IsNullOrEmpty(list.Continue))
            {
                errors.Add(new("FieldValueForbidden", "resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden when continue is provided"));
            }

            if (match is not ("Exact" or "NotOlderThan"))
            {
                errors.Add(new("FieldValueNotSupported", "resourceVersionMatch", $"Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\", \"\""));
            }

            if (match == "Exact" && list.ResourceVersion == "0")
            {
                errors.Add(new("FieldValueForbidden", "resourceVersionMatch", "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
            }
        }

        if (list.SendInitialEvents is not null)
        {
            errors.Add(new("FieldValueForbidden", "sendInitialEvents", "Forbidden: sendInitialEvents is forbidden for list"));
        }

        if (errors.Count > 0)
        {
            throw ApiErrors.Invalid("meta.k8s.io", "ListOptions", "", errors);
        }
    }

    /// <summary>
    /// The revision a list is served at: null for the current state (no resourceVersion, "0", or NotOlderThan one already
    /// reached); exactly resourceVersion for Exact. A revision the store has not reached yet is waited for up to 3 s, as the
    /// watch cache does, then answered with its 504 "Too large resource version".
    /// </summary>
    private async Task<long?> ListRevisionAsync(ListOptions list, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(list.ResourceVersion))
        {
            return null;
        }

        if (!long.TryParse(list.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var requested))
        {
            throw ApiErrors.BadRequest($"invalid resource version \"{list.ResourceVersion}\"");
        }

        if (requested == 0)
        {
            return null;
        }

        var deadline = ops.Time.GetUtcNow() + TimeSpan.FromSeconds(3);
        while (ops.Store.CurrentRevision < requested)
        {
            if (ops.Time.GetUtcNow() >= deadline)
            {
                throw ApiErrors.TooLargeResourceVersion(requested, ops.Store.CurrentRevision);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ops.Time, ct);
        }

        return list.ResourceVersionMatch == "Exact" ? requested : null;
    }

    private static ListOptions ParseListOptions(HttpContext ctx, ResourceType type)
    {
        var q = ctx.Request.Query;
        return new ListOptions(
            LabelSelector.Parse(q["labelSelector"]),
            FieldSelector.Parse(q["fieldSelector"], type),
            int.TryParse(q["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null,
            q["continue"],
            q["resourceVersion"],
            q["resourceVersionMatch"],
            q["watch"] == "true" || q["watch"] == "1",
            q["allowWatchBookmarks"] == "true",
            q["sendInitialEvents"] is { Count: > 0 } s ? s == "true" : null,
            int.TryParse(q["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var timeout) ? timeout : null);
    }

    /// <summary>The fieldManager parameter, or (as kube-apiserver does) the user agent up to the first '/'.</summary>
    private static string FieldManagerOf(HttpContext ctx)
    {
        if (ctx.Request.Query["fieldManager"] is { Count: > 0 } m && !string.IsNullOrEmpty(m))
        {
            return m!;
        }

        var agent = ctx.Request.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash > 0 ? agent[..slash] : agent;
        return prefix.Length > 0 ? prefix : "unknown";
    }

    private static Func<JsonObject, JsonObject> ParseJsonPatch(byte[] patch)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(patch);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiErrors.BadRequest($"invalid JSON patch: {e.Message}");
        }

        if (parsed is not JsonArray ops)
        {
            throw ApiErrors.BadRequest($"json: cannot unmarshal {GoJsonType(parsed)} into Go value of type jsonpatch.Patch");
        }

        return current => JsonPatch.Apply(current, ops).AsObject();
    }

    private static string GoJsonType(JsonNode? node) => node?.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.Object => "object",
        System.Text.Json.JsonValueKind.String => "string",
        System.Text.Json.JsonValueKind.Number => "number",
        System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "bool",
        _ => "null",
    };

    private static Func<JsonObject, JsonObject> ParseMergePatch(byte[] patch)
    {
        var node = JsonNode.Parse(patch) ?? throw ApiErrors.BadRequest("empty merge patch");
        return current => JsonMergePatch.Apply(current, node) as JsonObject ?? throw ApiErrors.BadRequest("merge patch must be an object");
    }

    private static Func<JsonObject, JsonObject> ParseStrategicPatch(byte[] patch)
    {
        var node = JsonNode.Parse(patch) as JsonObject ?? throw ApiErrors.BadRequest("strategic merge patch must be an object");
        return current => StrategicMergePatch.Apply(current, node);
    }

    private static JsonObject SetReplicas(ResourceType type, JsonObject obj, long replicas)
    {
        var parts = type.Scale!.SpecReplicasPath.Split('.');
        var node = obj;
        foreach (var p in parts[..^1])
        {
            node = node.Obj(p);
        }

        node[parts[^1]] = replicas;
        return obj;
    }

    private static JsonObject ToScale(ResourceType type, JsonObject obj)
    {
        var scale = type.Scale!;
        var selector = scale.LabelSelectorPath is { } lp
            ? JsonPathExpression.Parse("." + lp).First(obj)?.ToString()
            : obj.At("spec", "selector", "matchLabels") is JsonObject ml ? string.Join(",", ml.Select(kv => $"{kv.Key}={kv.Value}")) : null;
        var status = new JsonObject { ["replicas"] = JsonPathExpression.Parse("." + scale.StatusReplicasPath).First(obj)?.DeepClone() ?? 0 };
        if (selector is not null)
        {
            status["selector"] = selector;
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = obj.Str("metadata", "name"),
                ["namespace"] = obj.Str("metadata", "namespace"),
                ["uid"] = obj.Str("metadata", "uid"),
                ["resourceVersion"] = obj.Str("metadata", "resourceVersion"),
                ["creationTimestamp"] = obj.Str("metadata", "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = JsonPathExpression.Parse("." + scale.SpecReplicasPath).First(obj)?.DeepClone() ?? 0 },
            ["status"] = status,
        };
    }

    private static string? SelectedName(string fieldSelector) =>
        fieldSelector.Split(',', StringSplitOptions.TrimEntries)
            .Select(term => term.StartsWith("metadata.name==", StringComparison.Ordinal) ? term["metadata.name==".Length..]
                : term.StartsWith("metadata.name=", StringComparison.Ordinal) ? term["metadata.name=".Length..] : null)
            .FirstOrDefault(name => !string.IsNullOrEmpty(name));
}
