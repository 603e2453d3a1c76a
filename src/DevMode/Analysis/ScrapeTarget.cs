namespace AgentOperator.DevMode.Analysis;

/// <summary>One Prometheus target: the metrics address and the labels its series get. Equal when both are, label by label.</summary>
internal sealed record ScrapeTarget(Uri MetricsAddress, IReadOnlyDictionary<string, string> Labels)
{
    public bool Equals(ScrapeTarget? other) =>
        other is not null && MetricsAddress == other.MetricsAddress && Labels.Count == other.Labels.Count
        && Labels.All(l => other.Labels.TryGetValue(l.Key, out var value) && value == l.Value);

    public override int GetHashCode() => MetricsAddress.GetHashCode();
}
