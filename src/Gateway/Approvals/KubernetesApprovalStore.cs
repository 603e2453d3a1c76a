using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Autorest;

namespace AgentOperator.Gateway.Approvals;

/// <summary>
/// <see cref="IApprovalStore"/> on the Kubernetes API: AgentApprovals in the gateway's namespace, status
/// written through the status subresource with the read resourceVersion (optimistic concurrency).
/// </summary>
public sealed partial class KubernetesApprovalStore(IKubernetes kubernetes, string @namespace) : IApprovalStore
{
    /// <inheritdoc />
    public async Task<string> CreateAsync(AgentApprovalSpec spec, CancellationToken cancellationToken)
    {
        var prefix = NotDnsLabel().Replace(spec.Tool.ToLowerInvariant(), "-").Trim('-');
        var name = $"{prefix[..Math.Min(prefix.Length, 40)]}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        var approval = new AgentApproval
        {
            Metadata = new()
            {
                Name = name,
                NamespaceProperty = @namespace,
                Labels = new Dictionary<string, string>
                {
                    ["agentoperator.io/workflow"] = spec.Workflow,
                    ["agentoperator.io/revision"] = spec.Revision,
                },
            },
            Spec = spec,
        };
        var created = await kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync<AgentApproval>(approval, ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, cancellationToken: cancellationToken);

        // With a status subresource the API server drops status on create: write Pending through it, so that
        // kubectl and approvers see the decision column; readers treat a missing status as Pending anyway.
        created.Status = new AgentApprovalStatus { Decision = ApprovalDecision.Pending };
        await TryReplaceStatusAsync(created, cancellationToken);
        return name;
    }

    /// <inheritdoc />
    public async Task<AgentApproval?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await kubernetes.CustomObjects.GetNamespacedCustomObjectAsync<AgentApproval>(ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, name, cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<bool> TryMarkExecutedAsync(AgentApproval approval, DateTimeOffset executedAt, CancellationToken cancellationToken)
    {
        if (approval.Status is not { Decision: ApprovalDecision.Approved, ExecutedAt: null } status)
        {
            return false;
        }

        approval.Status = status with { ExecutedAt = executedAt };
        return await TryReplaceStatusAsync(approval, cancellationToken);
    }

    /// <inheritdoc />
    public async Task MarkExpiredAsync(AgentApproval approval, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (approval.Status is { Decision: not ApprovalDecision.Pending })
        {
            return;
        }

        approval.Status = (approval.Status ?? new AgentApprovalStatus()) with { Decision = ApprovalDecision.Expired, DecidedAt = at };
        await TryReplaceStatusAsync(approval, cancellationToken);
    }

    private async Task<bool> TryReplaceStatusAsync(AgentApproval approval, CancellationToken cancellationToken)
    {
        try
        {
            await kubernetes.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(approval, ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, approval.Metadata.Name, cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NotDnsLabel();
}
