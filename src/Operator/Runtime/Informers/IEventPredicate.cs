namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>Decides whether a change is worth a reconcile.</summary>
internal interface IEventPredicate<T>
    where T : class
{
    bool ShouldEnqueue(InformerEvent<T> change);
}
