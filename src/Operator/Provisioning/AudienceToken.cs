using AgentOperator.Contracts;

namespace AgentOperator.Operator.Provisioning;

/// <summary>A projected service-account token for one audience, mounted into the gateway.</summary>
public sealed record AudienceToken(string Audience, int ExpirationSeconds)
{
    /// <summary>Path of the token file inside <see cref="GatewayPodLayout.TokensDirectory"/>.</summary>
    public string Path => $"{GatewayPodLayout.TokenFolder(Audience)}/token";
}
