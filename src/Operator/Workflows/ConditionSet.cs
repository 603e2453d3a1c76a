using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Conditions with apimachinery's <c>meta.SetStatusCondition</c> semantics: <c>lastTransitionTime</c> changes only
/// when a condition's status flips; reason, message and observedGeneration are always the latest. Order is stable
/// (existing conditions keep their place, new ones are appended) so an unchanged status serializes identically.
/// </summary>
internal sealed class ConditionSet
{
    private readonly List<Condition> _conditions;
    private readonly DateTimeOffset _now;

    public ConditionSet(IEnumerable<Condition>? existing, DateTimeOffset now)
    {
        _conditions = [.. existing ?? []];
        _now = now;
    }

    public IReadOnlyList<Condition> All => _conditions;

    public Condition? Find(string type) => _conditions.FirstOrDefault(c => c.Type == type);

    /// <summary>True when the condition exists with this status.</summary>
    public bool Is(string type, ConditionStatus status) => Find(type)?.Status == status;

    /// <summary>Sets a condition; returns true when its status flipped (or it is new), i.e. a transition worth an Event.</summary>
    public bool Set(string type, ConditionStatus status, string reason, string message, long? observedGeneration)
    {
        var index = _conditions.FindIndex(c => c.Type == type);
        var old = index < 0 ? null : _conditions[index];
        var flipped = old is null || old.Status != status;
        var condition = new Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = observedGeneration,
            LastTransitionTime = flipped ? _now : old!.LastTransitionTime,
        };
        if (index < 0)
        {
            _conditions.Add(condition);
        }
        else
        {
            _conditions[index] = condition;
        }

        return flipped;
    }

    /// <summary>Removes a condition that no longer applies (e.g. RunsHealthy while no revision runs).</summary>
    public void Remove(string type) => _conditions.RemoveAll(c => c.Type == type);
}
