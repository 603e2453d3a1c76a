using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Compilation;

/// <summary>
/// The revision of a workflow: a hash of the spec fields that change agent behaviour (runtime, models,
/// tools, budgets, policy, autonomy) and of the AgentTool specs those tools reference. Suspend, kill switch,
/// credentials, rollout and observability do not change it: flipping them must not start a new rollout.
/// </summary>
public static class RevisionHash
{
    /// <summary>Length of the hex hash (40 bits: collisions within one workflow's history are negligible).</summary>
    public const int Length = 10;

    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);

    /// <summary>Computes the 10-character lowercase hex revision.</summary>
    /// <param name="spec">The workflow spec.</param>
    /// <param name="tools">AgentTool specs; only those named by <c>spec.tools</c> are hashed, in name order.</param>
    public static string Compute(AgentWorkflowSpec spec, IEnumerable<AgentToolSpec> tools)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(tools);
        var referenced = spec.Tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var document = new JsonObject
        {
            ["runtime"] = JsonSerializer.SerializeToNode(spec.Runtime, Canonical),
            ["models"] = JsonSerializer.SerializeToNode(spec.Models, Canonical),
            ["tools"] = JsonSerializer.SerializeToNode(spec.Tools, Canonical),
            ["budgets"] = JsonSerializer.SerializeToNode(spec.Budgets, Canonical),
            ["policy"] = JsonSerializer.SerializeToNode(spec.Policy, Canonical),
            ["autonomy"] = JsonSerializer.SerializeToNode(spec.Autonomy, Canonical),
            ["agentTools"] = new JsonArray([.. tools
                .Where(t => referenced.Contains(t.Name))
                .OrderBy(t => t.Name, StringComparer.Ordinal)
                .Select(t => JsonSerializer.SerializeToNode(t, Canonical))]),
        };
        var bytes = Encoding.UTF8.GetBytes(Canonicalize(document)?.ToJsonString() ?? "null");
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..Length];
    }

    /// <summary>Sorts object members by name, recursively, so key order in YAML or code never changes the hash.</summary>
    private static JsonNode? Canonicalize(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .Where(p => p.Value is not null)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonicalize(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonicalize)]),
        null => null,
        _ => node.DeepClone(),
    };
}
