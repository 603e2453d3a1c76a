using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Bundles;

/// <summary>The pinned model of one role.</summary>
public sealed record BundleModel
{
    /// <summary>Provider, e.g. openai.</summary>
    public required string Provider { get; init; }

    /// <summary>Pinned, dated model name; requests for any other model are refused.</summary>
    public required string Model { get; init; }

    /// <summary>Upper bound of prompt plus completion tokens of one call.</summary>
    public required int MaxTokensPerCall { get; init; }

    /// <summary>OpenAI-compatible base URL the gateway proxies to.</summary>
    public string? Endpoint { get; init; }

    /// <summary>USD per 1,000 prompt tokens.</summary>
    public double? InputCostPer1kTokensUsd { get; init; }

    /// <summary>USD per 1,000 completion tokens.</summary>
    public double? OutputCostPer1kTokensUsd { get; init; }

    /// <summary>Reference to the Secret key holding the provider's API key (never the value).</summary>
    public SecretKeyRef? CredentialsSecretRef { get; init; }

    /// <summary>Cost in USD of a call with the given usage, at this model's prices (0 when unpriced).</summary>
    public double CostUsd(long promptTokens, long completionTokens) =>
        (promptTokens * (InputCostPer1kTokensUsd ?? 0) + completionTokens * (OutputCostPer1kTokensUsd ?? 0)) / 1000.0;
}
