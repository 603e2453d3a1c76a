namespace AgentOperator.Operator.Tests.Journeys;

/// <summary>A journey's place in the suite: <see cref="JourneyOrderer"/> runs lower steps first.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class JourneyAttribute : Attribute
{
    public int Step { get; init; }
}
