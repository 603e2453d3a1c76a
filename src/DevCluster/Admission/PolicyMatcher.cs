using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// kube-apiserver's <c>MatchResources</c> (k8s.io/apiserver/pkg/admission/plugin/policy/matching): a request matches when
/// the namespace and object selectors match, no <c>excludeResourceRules</c> entry matches, and some <c>resourceRules</c>
/// entry matches (no rules at all match everything, as for a binding without them). A rule matches on operation, API
/// group, version, <c>resource</c>/<c>subresource</c> (with <c>*</c>, <c>*/status</c>, <c>pods/*</c>), scope and resourceNames;
/// with matchPolicy Equivalent (the default) any version of the same resource counts.
/// </summary>
internal static class PolicyMatcher
{
    public static bool Matches(JsonObject? criteria, AdmissionRequest request, JsonObject? namespaceObject, ResourceRegistry registry)
    {
        if (criteria is null)
        {
            return true;
        }

        var namespaceLabels = NamespaceLabels(request, namespaceObject);
        if ((namespaceLabels is not null && !SelectorMatches(criteria["namespaceSelector"] as JsonObject, namespaceLabels))
            || !ObjectSelectorMatches(criteria["objectSelector"] as JsonObject, request))
        {
            return false;
        }

        var equivalent = criteria.Str("matchPolicy") != "Exact";
        if (criteria["excludeResourceRules"] is JsonArray excluded && excluded.OfType<JsonObject>().Any(r => RuleMatches(r, request, registry, equivalent)))
        {
            return false;
        }

        return criteria["resourceRules"] is not JsonArray { Count: > 0 } rules || rules.OfType<JsonObject>().Any(r => RuleMatches(r, request, registry, equivalent));
    }

    /// <summary>A <c>metav1.LabelSelector</c>: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist); null or empty matches all.</summary>
    public static bool SelectorMatches(JsonObject? selector, JsonObject? labels)
    {
        if (selector is null)
        {
            return true;
        }

        string? Label(string key) => labels?[key] is JsonValue v ? v.ToString() : null;
        if (selector["matchLabels"] is JsonObject matchLabels && matchLabels.Any(kv => Label(kv.Key) != kv.Value?.ToString()))
        {
            return false;
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var value = Label(expression.Str("key") ?? "");
            var values = (expression["values"] as JsonArray ?? []).Select(v => v?.ToString()).ToHashSet();
            var holds = expression.Str("operator") switch
            {
                "In" => value is not null && values.Contains(value),
                "NotIn" => value is null || !values.Contains(value),
                "Exists" => value is not null,
                "DoesNotExist" => value is null,
                _ => false,
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    // Null (always matches): a cluster-scoped request. Cluster-scoped requests always match a namespaceSelector, except a Namespace itself, which is matched by its own labels.
    private static JsonObject? NamespaceLabels(AdmissionRequest request, JsonObject? namespaceObject)
    {
        if (request.Type.Storage == new GroupResource("", "namespaces"))
        {
            return (request.Object ?? request.OldObject).At("metadata", "labels") as JsonObject ?? [];
        }

        return request.Namespace.Length == 0 ? null : namespaceObject.At("metadata", "labels") as JsonObject ?? [];
    }

    // The object selector matches when either the new or the old object has matching labels.
    private static bool ObjectSelectorMatches(JsonObject? selector, AdmissionRequest request) =>
        selector is null
        || (request.Object is { } o && SelectorMatches(selector, o.At("metadata", "labels") as JsonObject ?? []))
        || (request.OldObject is { } old && SelectorMatches(selector, old.At("metadata", "labels") as JsonObject ?? []));

    private static bool RuleMatches(JsonObject rule, AdmissionRequest request, ResourceRegistry registry, bool equivalent)
    {
        if (!Contains(rule["operations"], request.Operation))
        {
            return false;
        }

        var scope = rule.Str("scope") ?? "*";
        if ((scope == "Cluster" && request.Type.Namespaced) || (scope == "Namespaced" && !request.Type.Namespaced))
        {
            return false;
        }

        if (rule["resourceNames"] is JsonArray { Count: > 0 } names && !names.Any(n => n?.ToString() == request.Name))
        {
            return false;
        }

        var candidates = equivalent ? registry.All.Where(t => t.Storage == request.Type.Storage).Append(request.Type) : [request.Type];
        return candidates.Any(t => Contains(rule["apiGroups"], t.Group) && Contains(rule["apiVersions"], t.Version) && ResourceMatches(rule["resources"], t.Resource, request.Subresource));
    }

    // "pods" → pods only; "pods/status"; "pods/*" → pods and all its subresources; "*" → every resource without subresource; "*/status"; "*/*".
    private static bool ResourceMatches(JsonNode? resources, string resource, string subresource) =>
        resources is JsonArray list && list.Select(r => r?.ToString() ?? "").Any(entry =>
        {
            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            var (res, sub) = slash < 0 ? (entry, "") : (entry[..slash], entry[(slash + 1)..]);
            return (res == "*" || res == resource) && (sub == "*" || sub == subresource);
        });

    private static bool Contains(JsonNode? list, string value) =>
        list is JsonArray a && a.Any(x => x?.ToString() is "*" || x?.ToString() == value);
}
