namespace AgentOperator.DevCluster.Api.CelCost;

/// <summary>
/// The estimated cost of one <c>x-kubernetes-validations</c> rule or messageExpression of a CRD version, as kube-apiserver
/// weighs it against its limits.
/// </summary>
/// <param name="Field">The expression's field path, e.g. <c>spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule</c>.</param>
/// <param name="RawCost">cel-go's estimated maximal cost of one evaluation.</param>
/// <param name="Cardinality">How often the rule can run per object: the product of the enclosing lists' maxItems and maps'
/// maxProperties, or, under an unbounded one, what fits into a 3 MiB request (1 for a messageExpression).</param>
/// <param name="Cost">RawCost × Cardinality (saturating), the figure compared with the per-rule limit and summed per version.</param>
internal sealed record CrdRuleCost(string Field, ulong RawCost, ulong Cardinality, ulong Cost);
