using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Tests.Workflows;

public sealed class ConditionSetTests
{
    private static readonly DateTimeOffset Earlier = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Earlier.AddHours(1);

    private static Condition Ready(ConditionStatus status) => new()
    {
        Type = ConditionTypes.Ready, Status = status, Reason = "Old", Message = "old", ObservedGeneration = 1, LastTransitionTime = Earlier,
    };

    [Fact]
    public void Set_SameStatus_KeepsTransitionTimeUpdatesTheRest()
    {
        var set = new ConditionSet([Ready(ConditionStatus.True)], Now);

        var flipped = set.Set(ConditionTypes.Ready, ConditionStatus.True, "New", "new", 2);

        Assert.False(flipped);
        var condition = set.Find(ConditionTypes.Ready)!;
        Assert.Equal(Earlier, condition.LastTransitionTime);
        Assert.Equal(("New", "new", 2L), (condition.Reason, condition.Message, condition.ObservedGeneration!.Value));
    }

    [Fact]
    public void Set_StatusFlips_MovesTransitionTime()
    {
        var set = new ConditionSet([Ready(ConditionStatus.True)], Now);

        Assert.True(set.Set(ConditionTypes.Ready, ConditionStatus.False, "Down", "down", 2));
        Assert.Equal(Now, set.Find(ConditionTypes.Ready)!.LastTransitionTime);
    }

    [Fact]
    public void Set_NewType_AppendedAfterExisting()
    {
        var set = new ConditionSet([Ready(ConditionStatus.True)], Now);

        Assert.True(set.Set(ConditionTypes.PolicyValid, ConditionStatus.True, "PolicyCompiled", "ok", 1));
        Assert.Equal([ConditionTypes.Ready, ConditionTypes.PolicyValid], set.All.Select(c => c.Type));
    }
}
