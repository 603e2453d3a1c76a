using AgentOperator.Contracts;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>Security contexts that satisfy the <c>restricted</c> Pod Security Standard on the pod and on every container.</summary>
public static class RestrictedSecurity
{
    /// <summary>The pod's security context.</summary>
    public static V1PodSecurityContext Pod() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = GatewayPodLayout.NonRootId,
        RunAsGroup = GatewayPodLayout.NonRootId,
        // Secret and projected files are group-readable by this group, and by no other user.
        FsGroup = GatewayPodLayout.NonRootId,
        SeccompProfile = new() { Type = "RuntimeDefault" },
    };

    /// <summary>A container's security context.</summary>
    public static V1SecurityContext Container() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = GatewayPodLayout.NonRootId,
        RunAsGroup = GatewayPodLayout.NonRootId,
        ReadOnlyRootFilesystem = true,
        AllowPrivilegeEscalation = false,
        Privileged = false,
        Capabilities = new() { Drop = ["ALL"] },
        SeccompProfile = new() { Type = "RuntimeDefault" },
    };
}
