using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Gateway.Approvals;

/// <summary>Where the gateway keeps <see cref="AgentApproval"/>s: the Kubernetes API in a pod.</summary>
public interface IApprovalStore
{
    /// <summary>Creates a pending approval and returns its name (the approval id given to the agent).</summary>
    Task<string> CreateAsync(AgentApprovalSpec spec, CancellationToken cancellationToken);

    /// <summary>Reads an approval; null when it does not exist.</summary>
    Task<AgentApproval?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Marks an approved approval as executed, guarded by its resourceVersion: of any number of
    /// concurrent callers (in any number of gateway processes) exactly one gets true.
    /// Returns false when it was already executed or changed meanwhile to a state that is not Approved.
    /// </summary>
    Task<bool> TryMarkExecutedAsync(AgentApproval approval, DateTimeOffset executedAt, CancellationToken cancellationToken);
}
