namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// The API server's endpoints as last read from <c>default/kubernetes</c> (by <see cref="ApiServerEndpointsDiscovery"/>),
/// shared between the discovery and the builders. Thread-safe; <see cref="Changed"/> fires after every change so
/// that the workflows' NetworkPolicies are reconciled again.
/// </summary>
public sealed class DiscoveredApiServerEndpoints
{
    private readonly Lock _lock = new();
    private IReadOnlyList<NetworkEndpoint> _current = [];

    /// <summary>Raised (on the caller of <see cref="Set"/>) after the endpoints changed.</summary>
    public event Action? Changed;

    /// <summary>The endpoints, ordered by port then address; empty while unknown.</summary>
    public IReadOnlyList<NetworkEndpoint> Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>Replaces the endpoints; returns true (and raises <see cref="Changed"/>) when they differ from the current ones.</summary>
    public bool Set(IEnumerable<NetworkEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        IReadOnlyList<NetworkEndpoint> ordered = [.. endpoints.Distinct().OrderBy(e => e.Port).ThenBy(e => e.Cidr, StringComparer.Ordinal)];
        lock (_lock)
        {
            if (_current.SequenceEqual(ordered))
            {
                return false;
            }

            _current = ordered;
        }

        Changed?.Invoke();
        return true;
    }
}
