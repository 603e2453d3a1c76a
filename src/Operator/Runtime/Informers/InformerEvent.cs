namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>A change the informer saw; <see cref="Old"/> is the cached object before a <see cref="InformerEventType.Modified"/>.</summary>
internal sealed record InformerEvent<T>(InformerEventType Type, T Object, T? Old = null)
    where T : class;
