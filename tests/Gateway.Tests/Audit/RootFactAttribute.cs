namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>A test that mounts a tmpfs in a private mount namespace (<c>unshare -m</c>), which needs root; elsewhere it is reported as skipped, never as passed.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: the store volume is a tmpfs mounted in a private mount namespace (unshare -m)";
        }
    }
}
