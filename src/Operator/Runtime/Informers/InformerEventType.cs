namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>What happened to a cached object.</summary>
internal enum InformerEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Nothing changed: the periodic resync re-announces every cached object.</summary>
    Resync,
}
