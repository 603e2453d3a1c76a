using System.Security.Cryptography;

namespace AgentOperator.Operator.Runtime.LeaderElection;

/// <summary>Leader election on a <c>coordination.k8s.io/v1</c> Lease. Every default is written on its property.</summary>
internal sealed record LeaderElectionOptions
{
    /// <summary>Elect a leader (default false: this replica reconciles alone, for local runs). Deployments with more than one replica set it.</summary>
    public bool Enabled { get; init; }

    /// <summary>Name of the Lease (default <c>agent-operator-leader</c>).</summary>
    public string LeaseName { get; init; } = "agent-operator-leader";

    /// <summary>Namespace of the Lease; null (default) is the pod's namespace (<see cref="NamespaceVariable"/> or the service-account namespace file), else <c>default</c>.</summary>
    public string? LeaseNamespace { get; init; }

    /// <summary>This replica's identity in the Lease; null (default) is the pod name (<see cref="PodNameVariable"/> or HOSTNAME) plus a random suffix, so a restarted pod is a new candidate.</summary>
    public string? Identity { get; init; }

    /// <summary>How long a leader's claim lasts without renewal before others may take over (default 15 s, client-go's).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading (default 10 s, client-go's).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait between attempts to acquire or renew (default 2 s, client-go's).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a stopping leader lets reconciles in flight finish before cancelling them (default 20 s).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The pod's namespace, from the downward API (config/manager and the chart set it from <c>metadata.namespace</c>).</summary>
    public const string NamespaceVariable = "AGENTOPERATOR_NAMESPACE";

    /// <summary>The pod's name, from the downward API (config/manager and the chart set it from <c>metadata.name</c>).</summary>
    public const string PodNameVariable = "AGENTOPERATOR_POD_NAME";

    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>The Lease's namespace; <paramref name="environment"/> reads a variable (default: the process environment).</summary>
    public string ResolveNamespace(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(LeaseNamespace))
        {
            return LeaseNamespace;
        }

        var fromEnvironment = environment(NamespaceVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        return File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : "default";
    }

    /// <summary>This replica's identity; <paramref name="environment"/> reads a variable (default: the process environment).</summary>
    public string ResolveIdentity(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(Identity))
        {
            return Identity;
        }

        var pod = environment(PodNameVariable) ?? environment("HOSTNAME") ?? Environment.MachineName;
        return $"{pod}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }
}
