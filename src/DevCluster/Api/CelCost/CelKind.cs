namespace AgentOperator.DevCluster.Api.CelCost;

/// <summary>The kind of a CEL value as far as cost estimation needs it (cel-go's types.Kind, coarsened).</summary>
internal enum CelKind
{
    /// <summary>Not known before evaluation (x-kubernetes-int-or-string, or nothing the estimator could infer).</summary>
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Duration,
    Timestamp,
    List,
    Map,

    /// <summary>A schema object with properties (a CEL object type, not a map).</summary>
    Object,
    Type,
}
