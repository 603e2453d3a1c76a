using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Gateway.Approvals;

/// <summary>
/// <see cref="IApprovalStore"/> on the Kubernetes API: AgentApprovals in the gateway's namespace. The gateway only
/// creates them, reads the ones its agent retries with, and marks an approved one executed with a merge patch of
/// the status subresource that carries the read resourceVersion (optimistic concurrency: one writer wins). The
/// operator writes the decision; the revision's Role grants exactly create and get, and patch on status.
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
        try
        {
            await kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync<AgentApproval>(approval, ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException exception)
        {
            // 403: the revision's Role does not let this gateway create approvals (a gap in the operator's RBAC).
            var status = exception.Response.StatusCode;
            throw new ApprovalStoreUnavailableException(
                $"the API server answered {(int)status} {status} to creating an AgentApproval in namespace {@namespace}", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new ApprovalStoreUnavailableException($"the API server could not be reached to create an AgentApproval in namespace {@namespace}: {exception.Message}", exception);
        }

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
        if (approval.Status is not { Decision: ApprovalDecision.Approved, ExecutedAt: null })
        {
            return false;
        }

        // A resourceVersion in a merge patch is a precondition: a concurrent writer makes this a 409.
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = approval.Metadata.ResourceVersion },
            ["status"] = new JsonObject { ["executedAt"] = executedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) },
        };
        try
        {
            await kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, approval.Metadata.Name, cancellationToken: cancellationToken);
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
