using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>The model one role may call.</summary>
public sealed record ModelSpec
{
    /// <summary>Model provider, e.g. openai, anthropic, azure-openai, bedrock, vertex, local.</summary>
    [Required, Pattern("^[a-z][a-z0-9-]{0,62}$")]
    public required string Provider { get; init; }

    /// <summary>Pinned, dated model name (e.g. gpt-4o-2024-08-06, claude-sonnet-4-20250514); floating aliases are refused.</summary>
    [Required, Length(Min = 1, Max = 128), Pattern(@"^[A-Za-z0-9][A-Za-z0-9._:/@-]*[0-9]{4}-?[0-9]{2}-?[0-9]{2}[A-Za-z0-9._:@-]*$")]
    public required string Model { get; init; }

    /// <summary>Upper bound of tokens (prompt + completion) one call of this role may use.</summary>
    [Required, Minimum(1), Maximum(2_000_000)]
    public required int MaxTokensPerCall { get; init; }

    /// <summary>OpenAI-compatible base URL the gateway proxies this role's calls to.</summary>
    [Format("uri"), Length(Max = 2048)]
    public string? Endpoint { get; init; }

    /// <summary>Price in USD per 1,000 prompt tokens, used to account cost from the response's usage.</summary>
    [Minimum(0)]
    public double? InputCostPer1kTokensUsd { get; init; }

    /// <summary>Price in USD per 1,000 completion tokens.</summary>
    [Minimum(0)]
    public double? OutputCostPer1kTokensUsd { get; init; }

    /// <summary>Secret holding the provider API key; mounted into the gateway sidecar only.</summary>
    public SecretKeyRef? CredentialsSecretRef { get; init; }
}

/// <summary>A key of a Secret in the workflow's namespace.</summary>
public sealed record SecretKeyRef
{
    /// <summary>Secret name.</summary>
    [Required, Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"), Length(Max = 253)]
    public required string Name { get; init; }

    /// <summary>Key within the Secret.</summary>
    [Required, Pattern("^[-._a-zA-Z0-9]+$"), Length(Max = 253)]
    public required string Key { get; init; }
}
