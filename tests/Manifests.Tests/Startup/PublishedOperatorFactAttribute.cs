namespace AgentOperator.Manifests.Tests.Startup;

/// <summary>
/// A test that starts the published operator the kubelet's way: where that is impossible (not root, no working
/// <c>unshare -m</c>) it is reported as skipped with the reason, never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PublishedOperatorFactAttribute : FactAttribute
{
    public PublishedOperatorFactAttribute()
    {
        if (PublishedOperator.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
