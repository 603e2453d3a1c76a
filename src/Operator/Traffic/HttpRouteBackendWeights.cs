using System.Text.Json.Nodes;

namespace AgentOperator.Operator.Traffic;

/// <summary>
/// Rewrites an HTTPRoute's <c>spec.rules</c> so the stable and canary Services split by weight. Only rules that already
/// reference the stable or the canary Service are ours to weight: a rule without either may route another path to
/// other Services, so it is left alone. In a rule of ours, every backendRef naming the stable Service gets
/// <c>port</c> and weight 100 − w, every one naming the canary Service gets <c>port</c> and weight w, and a missing
/// one of the two is appended; other backendRefs keep their weights, and every other field is copied as read.
/// Unlike Argo Rollouts' Gateway API plugin, the user need list only one of the two Services (usually stable).
/// </summary>
internal static class HttpRouteBackendWeights
{
    /// <summary>The weighted copy of <paramref name="rules"/>, or null when no rule references either Service.</summary>
    public static JsonArray? Apply(JsonArray rules, BackendServices services, int canaryWeight)
    {
        var weighted = new JsonArray();
        var ours = false;
        foreach (var rule in rules)
        {
            var copy = rule?.DeepClone();
            if (copy is JsonObject obj && obj["backendRefs"] is JsonArray refs && refs.Any(r => services.IsStable(r) || services.IsCanary(r)))
            {
                obj["backendRefs"] = WeightedRefs(refs, services, canaryWeight);
                ours = true;
            }

            weighted.Add(copy);
        }

        return ours ? weighted : null;
    }

    private static JsonArray WeightedRefs(JsonArray refs, BackendServices services, int canaryWeight)
    {
        var stableSeen = false;
        var canarySeen = false;
        foreach (var backend in refs.OfType<JsonObject>())
        {
            if (services.IsStable(backend))
            {
                SetPortAndWeight(backend, services.Port, 100 - canaryWeight);
                stableSeen = true;
            }
            else if (services.IsCanary(backend))
            {
                SetPortAndWeight(backend, services.Port, canaryWeight);
                canarySeen = true;
            }
        }

        if (!stableSeen)
        {
            refs.Add(new JsonObject { ["name"] = services.Stable, ["port"] = services.Port, ["weight"] = 100 - canaryWeight });
        }

        if (!canarySeen)
        {
            refs.Add(new JsonObject { ["name"] = services.Canary, ["port"] = services.Port, ["weight"] = canaryWeight });
        }

        return refs;
    }

    private static void SetPortAndWeight(JsonObject backend, int port, int weight)
    {
        backend["port"] = port;
        backend["weight"] = weight;
    }
}
