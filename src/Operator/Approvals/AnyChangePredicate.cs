using AgentOperator.Operator.Runtime.Informers;

namespace AgentOperator.Operator.Approvals;

/// <summary>Every change is worth a look: an approver's verdict is a status change, which the workflow predicate ignores.</summary>
internal sealed class AnyChangePredicate<T> : IEventPredicate<T>
    where T : class
{
    public static AnyChangePredicate<T> Instance { get; } = new();

    public bool ShouldEnqueue(InformerEvent<T> change) => true;
}
