namespace AgentOperator.AuditCollector.Hosting;

/// <summary>How the collector runs; every default is documented here.</summary>
public sealed record CollectorOptions
{
    /// <summary>Root of the store: <c>{root}/chains/{namespace}/{workflow}/{pod}/</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>PEM file of the ECDSA P-256 checkpoint signing key; created (mode 0600) when missing.</summary>
    public required string SigningKeyPath { get; init; }

    /// <summary>Port of the API and /metrics; 0 picks a free one. Default 8080.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Address to bind. Default all interfaces; tests use 127.0.0.1.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>How often each moved chain gets a signed checkpoint. Default 5 s.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often retention runs. Default 1 hour.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Retention of chains whose workflow sets none or no longer exists. Default 365 days.</summary>
    public int DefaultRetentionDays { get; init; } = 365;

    /// <summary>How often every stored chain is verified against its checkpoints. Default 10 minutes.</summary>
    public TimeSpan VerifyInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A segment file is closed and a new one started past this size. Default 64 MiB.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How long a TokenReview answer is reused for the same token. Default 60 s.</summary>
    public TimeSpan TokenCacheTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Where each stored record is forwarded as a JSON line for the cluster's log agent. Default standard output.</summary>
    public Func<Stream> ForwardTo { get; init; } = Console.OpenStandardOutput;
}
