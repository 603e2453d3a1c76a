using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;

namespace AgentOperator.DevCluster.Bootstrap;

/// <summary>
/// What a fresh kube-apiserver and controller-manager create before serving: the system namespaces and the
/// bootstrap RBAC policy (cluster-admin for system:masters; discovery and self-review for every authenticated
/// user). The <c>kubernetes</c> Service follows once the port is known (<see cref="KubernetesServiceEndpoints"/>).
/// </summary>
internal static class ClusterBootstrap
{
    public static void Run(ResourceOperations ops)
    {
        var options = new WriteOptions("kube-apiserver");
        var namespaces = ops.Registry.Find("", "v1", "namespaces")!;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            ops.Create(namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, options);
        }

        var clusterRoles = ops.Registry.Find("rbac.authorization.k8s.io", "v1", "clusterroles")!;
        var clusterRoleBindings = ops.Registry.Find("rbac.authorization.k8s.io", "v1", "clusterrolebindings")!;
        ops.Create(clusterRoles, "", Role("cluster-admin",
            Rule(["*"], ["*"], ["*"]),
            new JsonObject { ["verbs"] = Strings("*"), ["nonResourceURLs"] = Strings("*") }), options);
        ops.Create(clusterRoles, "", Role("system:discovery",
            new JsonObject { ["verbs"] = Strings("get"), ["nonResourceURLs"] = Strings("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/version", "/version/", "/openapi", "/openapi/*") }), options);
        ops.Create(clusterRoles, "", Role("system:basic-user",
            Rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
            Rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"])), options);
        ops.Create(clusterRoleBindings, "", Binding("cluster-admin", "cluster-admin", "system:masters"), options);
        ops.Create(clusterRoleBindings, "", Binding("system:discovery", "system:discovery", "system:authenticated"), options);
        ops.Create(clusterRoleBindings, "", Binding("system:basic-user", "system:basic-user", "system:authenticated"), options);
    }

    private static JsonObject Role(string name, params JsonObject[] rules) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        },
        ["rules"] = new JsonArray(rules.Select(r => (JsonNode)r).ToArray()),
    };

    private static JsonObject Rule(string[] groups, string[] resources, string[] verbs) => new()
    {
        ["apiGroups"] = Strings(groups),
        ["resources"] = Strings(resources),
        ["verbs"] = Strings(verbs),
    };

    private static JsonObject Binding(string name, string role, string group) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        },
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = role },
        ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = group }),
    };

    private static JsonArray Strings(params string[] items) => new(items.Select(i => (JsonNode)JsonValue.Create(i)).ToArray());
}
