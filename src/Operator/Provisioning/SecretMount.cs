using AgentOperator.Contracts;

namespace AgentOperator.Operator.Provisioning;

/// <summary>A Secret the gateway mounts, and the keys of it that tools or models reference.</summary>
public sealed record SecretMount(string SecretName, IReadOnlyList<string> Keys)
{
    /// <summary>The mount's volume name.</summary>
    public string VolumeName => ChildNames.VolumeName(GatewayCredentials.SecretVolumePrefix, SecretName);

    /// <summary>Where the gateway finds the Secret's keys.</summary>
    public string MountPath => $"{GatewayPodLayout.SecretsDirectory}/{SecretName}";
}
