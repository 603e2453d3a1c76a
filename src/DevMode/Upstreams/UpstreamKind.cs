namespace AgentOperator.DevMode.Upstreams;

/// <summary>What an upstream a workflow or tool names is, and so which fake stands in for it.</summary>
internal enum UpstreamKind
{
    Model,
    Tool,
    Prometheus,
}
