using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Admission;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// kube-apiserver's RBAC escalation prevention (pkg/registry/rbac: the policy-based storage of roles and bindings):
/// a Role or ClusterRole can be written only by a user who already holds every permission it grants (or the verb
/// <c>escalate</c> on it), and a RoleBinding or ClusterRoleBinding only by a user who holds every permission of the role
/// it references (or the verb <c>bind</c> on that role). Permissions of a Role are compared in its namespace, those of a
/// ClusterRole and ClusterRoleBinding cluster-wide. A ClusterRole with an aggregationRule needs <c>escalate</c>.
/// Writes that change only metadata (owner references, finalizers, labels) are not checked, as there.
/// </summary>
internal sealed class RbacEscalationPrevention(ObjectStore store, RbacAuthorizer authorizer) : IValidatingAdmission
{
    private const string Group = "rbac.authorization.k8s.io";

    public void Validate(AdmissionRequest request)
    {
        if (request.Type.Group != Group || request.Object is not { } obj || request.Subresource.Length > 0
            || request.Operation is not ("CREATE" or "UPDATE") || request.User.Groups.Contains("system:masters"))
        {
            return;
        }

        var resource = request.Type.Resource;
        var ns = request.Namespace;
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? request.Name;
        switch (resource)
        {
            case "roles" or "clusterroles":
                if (Unchanged(request, "rules", "aggregationRule") || Allowed(request.User, "escalate", resource, resource == "roles" ? ns : "", name))
                {
                    return;
                }

                if (resource == "clusterroles" && obj["aggregationRule"] is JsonObject)
                {
                    throw Forbidden(request, name, $"user \"{request.User.Name}\" cannot use an aggregationRule without the escalate verb on clusterroles (only cluster administrators aggregate roles)");
                }

                Confirm(request, name, ns, Rules(obj));
                break;
            case "rolebindings" or "clusterrolebindings":
                if (Unchanged(request, "roleRef", "subjects"))
                {
                    return;
                }

                var kind = obj["roleRef"]?["kind"]?.GetValue<string>() ?? "";
                var roleName = obj["roleRef"]?["name"]?.GetValue<string>() ?? "";
                var roleResource = kind == "Role" ? "roles" : "clusterroles";
                if (Allowed(request.User, "bind", roleResource, ns, roleName))
                {
                    return;
                }

                var role = kind == "Role"
                    ? store.Get(new GroupResource(Group, "roles"), ns, roleName)
                    : store.Get(new GroupResource(Group, "clusterroles"), "", roleName);
                // A binding to a role that does not exist grants nothing yet; kube-apiserver refuses it unless the user
                // may bind it, because the role's rules cannot be resolved to compare.
                if (role is null)
                {
                    throw Forbidden(request, name, $"user \"{request.User.Name}\" (groups={Quoted(request.User.Groups)}) is attempting to grant RBAC permissions not currently held: {kind} \"{roleName}\" not found");
                }

                Confirm(request, name, ns, Rules(JsonNodeExtensions.ParseObject(role.Json)));
                break;
        }
    }

    private void Confirm(AdmissionRequest request, string name, string ns, IEnumerable<JsonObject> granted)
    {
        var held = authorizer.RulesFor(request.User, ns);
        var missing = granted.SelectMany(Atoms).Where(atom => !held.Any(rule => Covers(rule, atom))).ToList();
        if (missing.Count > 0)
        {
            throw Forbidden(request, name,
                $"user \"{request.User.Name}\" (groups={Quoted(request.User.Groups)}) is attempting to grant RBAC permissions not currently held:\n" +
                string.Join('\n', missing.Select(Compact)));
        }
    }

    /// <summary>The verb on the role, asked in <paramref name="ns"/> (the binding's namespace for bind, as kube-apiserver asks it).</summary>
    private bool Allowed(UserInfo user, string verb, string resource, string ns, string name) =>
        authorizer.Authorize(user, new RequestAttributes(verb, Group, resource, "", ns, name, true, "")).Allowed;

    private static bool Unchanged(AdmissionRequest request, params string[] fields) =>
        request.OldObject is { } old && fields.All(f => JsonNode.DeepEquals(old[f], request.Object![f]));

    private static IEnumerable<JsonObject> Rules(JsonObject role) => (role["rules"] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>One verb on one group/resource/name, or one verb on one non-resource URL (validation.BreakdownRule).</summary>
    private static IEnumerable<Atom> Atoms(JsonObject rule)
    {
        var verbs = Strings(rule["verbs"]);
        foreach (var group in Strings(rule["apiGroups"]))
        {
            foreach (var resource in Strings(rule["resources"]))
            {
                var names = Strings(rule["resourceNames"]);
                foreach (var verb in verbs)
                {
                    if (names.Count == 0)
                    {
                        yield return new Atom(verb, group, resource, null, null);
                    }

                    foreach (var n in names)
                    {
                        yield return new Atom(verb, group, resource, n, null);
                    }
                }
            }
        }

        foreach (var url in Strings(rule["nonResourceURLs"]))
        {
            foreach (var verb in verbs)
            {
                yield return new Atom(verb, null, null, null, url);
            }
        }
    }

    /// <summary>validation.ruleCovers: "*" covers anything, "*/sub" covers any resource's sub, a rule without resourceNames covers every name.</summary>
    private static bool Covers(JsonObject owner, Atom atom)
    {
        var verbs = Strings(owner["verbs"]);
        if (!verbs.Contains("*") && !verbs.Contains(atom.Verb))
        {
            return false;
        }

        if (atom.Url is { } url)
        {
            return Strings(owner["nonResourceURLs"]).Any(u => u == "*" || u == url || (u.EndsWith('*') && url.StartsWith(u[..^1], StringComparison.Ordinal)));
        }

        var groups = Strings(owner["apiGroups"]);
        if (!groups.Contains("*") && !groups.Contains(atom.Group!))
        {
            return false;
        }

        var resources = Strings(owner["resources"]);
        var slash = atom.Resource!.IndexOf('/', StringComparison.Ordinal);
        var resourceCovered = resources.Contains("*") || resources.Contains(atom.Resource)
            || (slash > 0 && resources.Contains("*" + atom.Resource[slash..]));
        if (!resourceCovered)
        {
            return false;
        }

        var names = Strings(owner["resourceNames"]);
        return names.Count == 0 || (atom.Name is { } name && names.Contains(name));
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(x => (string?)x).OfType<string>()] : [];

    private static string Quoted(IEnumerable<string> values) => "[" + string.Join(" ", values.Select(v => $"\"{v}\"")) + "]";

    /// <summary>rbac.CompactString: the missing permission as kube-apiserver lists it.</summary>
    private static string Compact(Atom atom) => atom.Url is { } url
        ? $"{{NonResourceURLs:[\"{url}\"], Verbs:[\"{atom.Verb}\"]}}"
        : $"{{APIGroups:[\"{atom.Group}\"], Resources:[\"{atom.Resource}\"]{(atom.Name is { } n ? $", ResourceNames:[\"{n}\"]" : "")}, Verbs:[\"{atom.Verb}\"]}}";

    private static ApiException Forbidden(AdmissionRequest request, string name, string reason) =>
        ApiErrors.Forbidden(new GroupResource(Group, request.Type.Resource), name, $"{request.Type.Resource}.{Group} \"{name}\" is forbidden: {reason}");

    private sealed record Atom(string Verb, string? Group, string? Resource, string? Name, string? Url);
}
