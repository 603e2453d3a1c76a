using System.Text.Json.Nodes;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary>One RBAC policy rule, with its lists as given.</summary>
public sealed record PolicyRule(IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string> ResourceNames)
{
    /// <summary>The rules of a Role or ClusterRole (or of a parsed rules: block).</summary>
    public static IReadOnlyList<PolicyRule> Of(JsonNode? rules) =>
        rules is JsonArray array
            ? [.. array.Select(r => new PolicyRule(Json.Strings(r!["apiGroups"]), Json.Strings(r["resources"]), Json.Strings(r["verbs"]), Json.Strings(r["resourceNames"])))]
            : [];

    /// <summary>Whether the rules allow <paramref name="verb"/> on <paramref name="resource"/> of <paramref name="group"/> for any name.</summary>
    public static bool Allows(IEnumerable<PolicyRule> rules, string group, string resource, string verb) =>
        rules.Any(r => r.ApiGroups.Contains(group) && r.Resources.Contains(resource) && r.Verbs.Contains(verb) && r.ResourceNames.Count == 0);

    /// <summary>A stable text form for comparisons and messages.</summary>
    public override string ToString() =>
        $"groups=[{string.Join(',', ApiGroups)}] resources=[{string.Join(',', Resources)}] verbs=[{string.Join(',', Verbs)}]" +
        (ResourceNames.Count > 0 ? $" names=[{string.Join(',', ResourceNames)}]" : "");
}
