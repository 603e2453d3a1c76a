using AgentOperator.DevCluster;
using AgentOperator.DevMode.Analysis;

namespace AgentOperator.DevMode;

/// <summary>How a <see cref="DevEnvironment"/> starts. Every default is written on its property.</summary>
internal sealed record DevEnvironmentOptions
{
    /// <summary>The repository whose projects are published.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Where the publish output is kept between runs.</summary>
    public required string ImageCache { get; init; }

    /// <summary>DevCluster's options; the node's images and trusted CA are set by the environment. Default: a node with pod networks.</summary>
    public DevClusterOptions Cluster { get; init; } = new() { Node = new() };

    /// <summary>The Prometheus scraping the gateways (listening on the node's address); null starts none.</summary>
    public LocalPrometheusOptions? Prometheus { get; init; } = new();

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
