using AgentOperator.Contracts;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>One chain of a workflow as the collector lists it and what verifying it found; <see cref="Report"/> is null when it was not verified.</summary>
public sealed record ChainVerification(AuditChainListing Listing, AuditChainReport? Report)
{
    /// <summary>
    /// True when the chain may hold records written at or after <paramref name="since"/>: it has no signed checkpoint yet,
    /// records beyond its last one, or a last one signed since then (the collector signs one in every interval the chain moved).
    /// </summary>
    public static bool WrittenSince(AuditChainListing listing, DateTimeOffset since)
    {
        ArgumentNullException.ThrowIfNull(listing);
        return listing.Anchor is not { } anchor || anchor.Time >= since || listing.DurableThrough > anchor.Sequence;
    }
}
