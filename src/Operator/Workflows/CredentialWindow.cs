namespace AgentOperator.Operator.Workflows;

/// <summary>
/// When a revision's credentials expire, for <c>status.credentialsExpireAt</c>.
/// <para>
/// The kubelet requests each pod's projected token with the workflow's TTL and renews it once 80 % of the TTL has
/// passed, so tokens of a revision are issued continuously. The status reports an upper bound: no token issued to
/// the revision's ServiceAccount by the kubelet before the end of the current window outlives
/// <see cref="ExpiresAt"/>. Windows are 80 % of the TTL long and start at the ServiceAccount's creation (recreating
/// it on revocation starts a new epoch), so the value changes once per window, not on every reconcile: steady
/// state writes nothing in between, and the reconciler looks again at <see cref="WindowEnd"/>.
/// </para>
/// <para>The operator issues no TokenRequest itself: checking credentials that way would be a write on every check.</para>
/// </summary>
internal sealed record CredentialWindow(DateTimeOffset WindowEnd, DateTimeOffset ExpiresAt)
{
    /// <summary>Share of the TTL after which the kubelet renews a projected token.</summary>
    public const double KubeletRenewalFraction = 0.8;

    public static CredentialWindow For(DateTimeOffset serviceAccountCreated, TimeSpan tokenTtl, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tokenTtl, TimeSpan.Zero);
        var window = TimeSpan.FromSeconds(Math.Max(1, Math.Floor(tokenTtl.TotalSeconds * KubeletRenewalFraction)));
        var elapsed = now - serviceAccountCreated;
        var windows = elapsed <= TimeSpan.Zero ? 0 : (long)Math.Floor(elapsed / window);
        var end = serviceAccountCreated + (window * (windows + 1));
        return new(end, end + tokenTtl);
    }
}
