using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// RBAC over the stored Roles, ClusterRoles and their bindings, with kube-apiserver's matching rules:
/// "*" in verbs/apiGroups/resources, "resource/subresource" and "*/subresource", resourceNames, and
/// nonResourceURLs with a trailing "*". system:masters is allowed everything (the superuser group).
/// </summary>
internal sealed class RbacAuthorizer(ObjectStore store)
{
    private static readonly GroupResource ClusterRoleBindings = new("rbac.authorization.k8s.io", "clusterrolebindings");
    private static readonly GroupResource RoleBindings = new("rbac.authorization.k8s.io", "rolebindings");
    private static readonly GroupResource ClusterRoles = new("rbac.authorization.k8s.io", "clusterroles");
    private static readonly GroupResource Roles = new("rbac.authorization.k8s.io", "roles");

    /// <summary>Whether <paramref name="user"/> may do <paramref name="attributes"/>, with the reason RBAC gives.</summary>
    public (bool Allowed, string Reason) Authorize(UserInfo user, RequestAttributes attributes)
    {
        if (user.Groups.Contains("system:masters"))
        {
            return (true, "");
        }

        foreach (var binding in store.List(ClusterRoleBindings, null, null).Items.Select(Parse))
        {
            if (BindsUser(binding, user, "") && RulesOf(binding, "") is { } rules && rules.Any(r => Allows(r, attributes)))
            {
                return (true, $"RBAC: allowed by ClusterRoleBinding \"{binding.Str("metadata", "name")}\" of ClusterRole \"{binding.Str("roleRef", "name")}\" to {Describe(user)}");
            }
        }

        if (attributes.Namespace.Length > 0)
        {
            foreach (var binding in store.List(RoleBindings, attributes.Namespace, null).Items.Select(Parse))
            {
                if (BindsUser(binding, user, attributes.Namespace) && RulesOf(binding, attributes.Namespace) is { } rules && rules.Any(r => Allows(r, attributes)))
                {
                    return (true, $"RBAC: allowed by RoleBinding \"{binding.Str("metadata", "name")}/{attributes.Namespace}\" of {binding.Str("roleRef", "kind")} \"{binding.Str("roleRef", "name")}\" to {Describe(user)}");
                }
            }
        }

        return (false, "");
    }

    /// <summary>
    /// Every rule that applies to <paramref name="user"/> in <paramref name="ns"/> (its ClusterRoleBindings' and that
    /// namespace's RoleBindings'), for SelfSubjectRulesReview; system:masters gets the cluster-admin rules.
    /// </summary>
    public IReadOnlyList<JsonObject> RulesFor(UserInfo user, string ns)
    {
        if (user.Groups.Contains("system:masters"))
        {
            return
            [
                new JsonObject { ["verbs"] = new JsonArray("*"), ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*") },
                new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") },
            ];
        }

        var rules = new List<JsonObject>();
        foreach (var binding in store.List(ClusterRoleBindings, null, null).Items.Select(Parse).Where(b => BindsUser(b, user, "")))
        {
            rules.AddRange(RulesOf(binding, "") ?? []);
        }

        if (ns.Length > 0)
        {
            foreach (var binding in store.List(RoleBindings, ns, null).Items.Select(Parse).Where(b => BindsUser(b, user, ns)))
            {
                rules.AddRange(RulesOf(binding, ns) ?? []);
            }
        }

        return rules;
    }

    private static string Describe(UserInfo user) =>
        user.Name.StartsWith("system:serviceaccount:", StringComparison.Ordinal)
            ? $"ServiceAccount \"{user.Name.Split(':')[3]}/{user.Name.Split(':')[2]}\""
            : $"User \"{user.Name}\"";

    private static JsonObject Parse(StoredObject o) => JsonNodeExtensions.ParseObject(o.Json);

    private static bool BindsUser(JsonObject binding, UserInfo user, string bindingNamespace) =>
        binding["subjects"] is JsonArray subjects && subjects.OfType<JsonObject>().Any(s => s.Str("kind") switch
        {
            "User" => s.Str("name") == user.Name,
            "Group" => user.Groups.Contains(s.Str("name") ?? ""),
            "ServiceAccount" => user.Name == $"system:serviceaccount:{s.Str("namespace") ?? bindingNamespace}:{s.Str("name")}",
            _ => false,
        });

    private IEnumerable<JsonObject>? RulesOf(JsonObject binding, string ns)
    {
        var name = binding.Str("roleRef", "name") ?? "";
        var role = binding.Str("roleRef", "kind") == "Role" && ns.Length > 0
            ? store.Get(Roles, ns, name)
            : store.Get(ClusterRoles, "", name);
        return role is null ? null : (Parse(role)["rules"] as JsonArray ?? []).OfType<JsonObject>();
    }

    private static bool Allows(JsonObject rule, RequestAttributes a)
    {
        if (!Has(rule["verbs"], a.Verb))
        {
            return false;
        }

        if (!a.IsResourceRequest)
        {
            return rule["nonResourceURLs"] is JsonArray urls && urls.Any(u => (string?)u is { } url &&
                (url == "*" || url == a.Path || (url.EndsWith('*') && a.Path.StartsWith(url[..^1], StringComparison.Ordinal))));
        }

        if (!Has(rule["apiGroups"], a.Group))
        {
            return false;
        }

        var resource = a.Subresource.Length > 0 ? $"{a.Resource}/{a.Subresource}" : a.Resource;
        var resourceMatches = rule["resources"] is JsonArray resources && resources.Any(r => (string?)r is { } x &&
            (x == "*" || x == resource || (a.Subresource.Length > 0 && x == "*/" + a.Subresource)));
        if (!resourceMatches)
        {
            return false;
        }

        return rule["resourceNames"] is not JsonArray { Count: > 0 } names || names.Any(n => (string?)n == a.Name);
    }

    private static bool Has(JsonNode? list, string value) =>
        list is JsonArray a && a.Any(x => (string?)x == "*" || (string?)x == value);
}
