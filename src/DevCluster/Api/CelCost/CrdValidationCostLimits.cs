using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api.CelCost;

/// <summary>
/// kube-apiserver's static cost limits on a CRD's <c>x-kubernetes-validations</c>
/// (apiextensions-apiserver pkg/apis/apiextensions/validation: validation.go and cel_validation.go): each rule's
/// estimated cost times the number of times it can run per object (the product of the maxItems/maxProperties of the
/// lists and maps above it, or, under an unbounded one, 3 MiB divided by the smallest serialized size of the node plus
/// a comma) must stay within <see cref="StaticEstimatedCostLimit"/>, each messageExpression's cost too, and their sum
/// over a version's schema within <see cref="StaticEstimatedCrdCostLimit"/>. Refusals are kube-apiserver's Forbidden
/// field errors: <c>…x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of …</c>.
/// On update, the per-expression limit is not applied to a version whose schema is unchanged, so a CRD accepted before
/// stays updatable, as kube-apiserver's ratcheting does.
/// </summary>
internal static class CrdValidationCostLimits
{
    /// <summary>The largest static cost of one expression (validation.go StaticEstimatedCostLimit).</summary>
    public const ulong StaticEstimatedCostLimit = 10_000_000;

    /// <summary>The largest total of a version's expressions (validation.go StaticEstimatedCRDCostLimit).</summary>
    public const ulong StaticEstimatedCrdCostLimit = 100_000_000;

    private const string TotalCostName = "x-kubernetes-validations estimated rule & messageExpression cost total for entire OpenAPIv3 schema";
    private const string ContributedMessage = "contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema";

    /// <summary>Adds kube-apiserver's cost refusals of <paramref name="crd"/> (<paramref name="old"/> on update) to <paramref name="errors"/>.</summary>
    public static void Validate(JsonObject crd, JsonObject? old, List<FieldError> errors)
    {
        var oldSchemas = (old.At("spec", "versions") as JsonArray ?? []).OfType<JsonObject>()
            .Where(v => v.Str("name") is not null)
            .ToDictionary(v => v.Str("name")!, v => v.At("schema", "openAPIV3Schema"), StringComparer.Ordinal);
        foreach (var (index, version, schema) in Versions(crd))
        {
            var unchanged = old is not null && oldSchemas.TryGetValue(version.Str("name") ?? "", out var before)
                && JsonNode.DeepEquals(before, schema);
            var costs = Estimate(schema, SchemaPath(index));
            foreach (var cost in costs.Where(c => c.Cost > StaticEstimatedCostLimit && !unchanged))
            {
                var name = cost.Field.EndsWith(".messageExpression", StringComparison.Ordinal) ? "estimated messageExpression cost" : "estimated rule cost";
                errors.Add(Forbidden(cost.Field, CostErrorMessage(name, cost.Cost, StaticEstimatedCostLimit)));
            }

            var total = costs.Aggregate(0UL, (sum, c) => CelEstimate.Add(sum, c.Cost));
            if (total > StaticEstimatedCrdCostLimit)
            {
                // TotalCost.MostExpensive: the four dearest expressions of at least 1 % of the limit, dearest first.
                foreach (var expensive in costs.Where(c => c.Cost >= StaticEstimatedCrdCostLimit / 100).OrderByDescending(c => c.Cost).Take(4))
                {
                    errors.Add(Forbidden(expensive.Field, ContributedMessage));
                }

                errors.Add(Forbidden(SchemaPath(index), CostErrorMessage(TotalCostName, total, StaticEstimatedCrdCostLimit)));
            }
        }
    }

    /// <summary>The estimated cost of every rule and messageExpression of every version of <paramref name="crd"/>.</summary>
    public static IReadOnlyList<CrdRuleCost> Estimate(JsonObject crd) =>
        [.. Versions(crd).SelectMany(v => Estimate(v.Schema, SchemaPath(v.Index)))];

    private static IEnumerable<(int Index, JsonObject Version, JsonObject Schema)> Versions(JsonObject crd)
    {
        var versions = (crd.At("spec", "versions") as JsonArray ?? []).ToList();
        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i] is JsonObject version && version.At("schema", "openAPIV3Schema") is JsonObject schema)
            {
                yield return (i, version, schema);
            }
        }
    }

    private static string SchemaPath(int index) => $"spec.versions[{index}].schema.openAPIV3Schema";

    private static List<CrdRuleCost> Estimate(JsonObject root, string path)
    {
        var costs = new List<CrdRuleCost>();
        Walk(root, path, cardinality: 1, isResourceRoot: true, costs);
        return costs;
    }

    /// <summary>
    /// Estimates the rules of <paramref name="schema"/> at <paramref name="path"/> and recurses into properties, items and
    /// additionalProperties; <paramref name="cardinality"/> is CELSchemaContext.MaxCardinality, how often the node can
    /// occur per object (null when unbounded). Adds to <paramref name="costs"/>; <paramref name="isResourceRoot"/> at the root.
    /// </summary>
    private static void Walk(JsonObject schema, string path, ulong? cardinality, bool isResourceRoot, List<CrdRuleCost> costs)
    {
        if (schema["x-kubernetes-validations"] is JsonArray { Count: > 0 } rules
            && CelDeclType.From(schema, isResourceRoot || schema.Bool("x-kubernetes-embedded-resource") == true) is { } self)
        {
            // compilation.go maxCardinality: under an unbounded list or map, what fits into a request.
            var fallback = (ulong)(CelDeclType.MaxRequestSizeBytes / (self.MinSerializedSize + 1));
            for (var i = 0; i < rules.Count; i++)
            {
                var rulePath = $"{path}.x-kubernetes-validations[{i}]";
                if (rules[i].Str("rule") is { } rule && !string.IsNullOrWhiteSpace(rule) && CelCostEstimator.Estimate(rule, self) is { } estimate)
                {
                    var times = cardinality ?? fallback;
                    costs.Add(new CrdRuleCost(rulePath + ".rule", estimate.Max, times, estimate.Max == 0 ? 0 : CelEstimate.Multiply(estimate.Max, times)));
                }

                if (rules[i].Str("messageExpression") is { Length: > 0 } message && CelCostEstimator.Estimate(message, self) is { } messageEstimate)
                {
                    costs.Add(new CrdRuleCost(rulePath + ".messageExpression", messageEstimate.Max, 1, messageEstimate.Max));
                }
            }
        }

        var childCardinality = cardinality is { } known && MaxElements(schema) is { } factor ? CelEstimate.Multiply(known, factor) : (ulong?)null;
        foreach (var (name, property) in schema["properties"] as JsonObject ?? [])
        {
            if (property is JsonObject p)
            {
                Walk(p, $"{path}.properties[{name}]", childCardinality, isResourceRoot: false, costs);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            Walk(items, path + ".items", childCardinality, isResourceRoot: false, costs);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            Walk(additional, path + ".additionalProperties", childCardinality, isResourceRoot: false, costs);
        }
    }

    /// <summary>extractMaxElements: how many children a node multiplies into (maxItems, maxProperties, 1), null when unbounded.</summary>
    private static ulong? MaxElements(JsonObject schema) => schema.Str("type") switch
    {
        "object" when schema.ContainsKey("additionalProperties") => schema.Long("maxProperties") is { } max ? (ulong)Math.Max(0, max) : null,
        "array" => schema.Long("maxItems") is { } max ? (ulong)Math.Max(0, max) : null,
        _ => 1,
    };

    /// <summary>validation.go getCostErrorMessage.</summary>
    private static string CostErrorMessage(string costName, ulong cost, ulong limit)
    {
        var exceedFactor = (double)cost / limit;
        var factor = exceedFactor switch
        {
            > 100.0 => "more than 100x",
            < 1.5 => exceedFactor.ToString("F6", CultureInfo.InvariantCulture) + "x",
            _ => exceedFactor.ToString("F1", CultureInfo.InvariantCulture) + "x",
        };
        return $"{costName} exceeds budget by factor of {factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";
    }

    private static FieldError Forbidden(string field, string detail) => new("FieldValueForbidden", field, "Forbidden: " + detail);
}
