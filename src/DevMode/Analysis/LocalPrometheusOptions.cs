namespace AgentOperator.DevMode.Analysis;

/// <summary>How <see cref="LocalPrometheus"/> runs. Every default is documented here.</summary>
internal sealed record LocalPrometheusOptions
{
    /// <summary>Scrape interval, also the scrape timeout and the file discovery refresh interval. Default 5 s; tests use 1 s.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long Prometheus may take to answer 200 on /-/ready. Default 30 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Prometheus binary. Default null: <c>prometheus</c> found on PATH (Debian's package installs /usr/bin/prometheus).</summary>
    public string? BinaryPath { get; init; }

    /// <summary>The address Prometheus listens on. Default 127.0.0.1; dev mode uses the node's address so pods reach it through a Service.</summary>
    public System.Net.IPAddress ListenAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>The scrape job's name, which Prometheus puts in every series' <c>job</c> label. Default agent-gateways.</summary>
    public string JobName { get; init; } = "agent-gateways";
}
