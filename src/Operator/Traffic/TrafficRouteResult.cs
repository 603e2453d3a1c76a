namespace AgentOperator.Operator.Traffic;

/// <summary>Whether the requested weight is in effect; when not, a one-sentence reason (e.g. the HTTPRoute does not exist).</summary>
internal sealed record TrafficRouteResult(bool InEffect, string? Message)
{
    public static TrafficRouteResult Applied { get; } = new(true, null);
}
