using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Discovery;

/// <summary>
/// Builds discovery documents from the registry: legacy (APIVersions, APIGroupList, APIResourceList) and
/// aggregated (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, which kubectl 1.32 asks for first).
/// </summary>
internal sealed class DiscoveryDocuments(ResourceRegistry registry)
{
    private static readonly IReadOnlyList<string> SubresourceVerbs = ["get", "patch", "update"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "32",
        ["gitVersion"] = "v1.32.0-devcluster",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject Groups() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(GroupNames().Select(g => (JsonNode?)Group(g)).ToArray()),
    };

    public JsonObject? Group(string group)
    {
        var versions = VersionPriority.Sort(registry.All.Where(t => t.Group == group).Select(t => t.Version).Distinct()).ToList();
        if (versions.Count == 0)
        {
            return null;
        }

        JsonObject Gv(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Gv(v)).ToArray()),
            ["preferredVersion"] = Gv(versions[0]),
        };
    }

    public JsonObject? Resources(string group, string version)
    {
        var types = registry.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Resource,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = Strings(t.Verbs),
            };
            if (t.ShortNames.Count > 0)
            {
                r["shortNames"] = Strings(t.ShortNames);
            }

            if (t.Categories.Count > 0)
            {
                r["categories"] = Strings(t.Categories);
            }

            resources.Add(r);
            foreach (var (name, g, v, kind, verbs) in Subresources(t))
            {
                var sub = new JsonObject { ["name"] = $"{t.Resource}/{name}", ["singularName"] = "", ["namespaced"] = t.Namespaced };
                if (g is not null)
                {
                    sub["group"] = g;
                    sub["version"] = v;
                }

                sub["kind"] = kind;
                sub["verbs"] = Strings(verbs);
                resources.Add(sub);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary>The aggregated discovery document for the core group (<paramref name="legacy"/>) or all named groups.</summary>
    public JsonObject Aggregated(bool legacy)
    {
        var groups = legacy ? [""] : GroupNames();
        var items = new JsonArray();
        foreach (var g in groups)
        {
            var versions = VersionPriority.Sort(registry.All.Where(t => t.Group == g).Select(t => t.Version).Distinct());
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = g, ["creationTimestamp"] = null },
                ["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject
                {
                    ["version"] = v,
                    ["resources"] = new JsonArray(registry.All.Where(t => t.Group == g && t.Version == v).Select(t => (JsonNode)AggregatedResource(t)).ToArray()),
                    ["freshness"] = "Current",
                }).ToArray()),
            });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject AggregatedResource(ResourceType t)
    {
        var r = new JsonObject
        {
            ["resource"] = t.Resource,
            ["responseKind"] = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind },
            ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = t.Singular,
            ["verbs"] = Strings(t.Verbs),
        };
        if (t.ShortNames.Count > 0)
        {
            r["shortNames"] = Strings(t.ShortNames);
        }

        if (t.Categories.Count > 0)
        {
            r["categories"] = Strings(t.Categories);
        }

        var subs = Subresources(t).ToList();
        if (subs.Count > 0)
        {
            r["subresources"] = new JsonArray(subs.Select(s => (JsonNode)new JsonObject
            {
                ["subresource"] = s.Name,
                ["responseKind"] = new JsonObject { ["group"] = s.Group ?? t.Group, ["version"] = s.Version ?? t.Version, ["kind"] = s.Kind },
                ["verbs"] = Strings(s.Verbs),
            }).ToArray());
        }

        return r;
    }

    private static IEnumerable<(string Name, string? Group, string? Version, string Kind, IReadOnlyList<string> Verbs)> Subresources(ResourceType t)
    {
        if (t.HasStatus)
        {
            yield return ("status", null, null, t.Kind, SubresourceVerbs);
        }

        if (t.Scale is not null)
        {
            yield return ("scale", "autoscaling", "v1", "Scale", SubresourceVerbs);
        }

        if (t.Storage == new GroupResource("", "serviceaccounts"))
        {
            yield return ("token", "authentication.k8s.io", "v1", "TokenRequest", ["create"]);
        }
    }

    private List<string> GroupNames() => registry.All.Select(t => t.Group).Where(g => g.Length > 0).Distinct().ToList();

    private static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode)JsonValue.Create(i)).ToArray());
}
