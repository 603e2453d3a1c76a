namespace AgentOperator.Operator.Tests.K3s;

/// <summary>
/// A test that needs a Docker engine to run K3s: where none answers (<see cref="DockerEngine"/>), it is reported as
/// skipped with the reason ("no Docker engine: ..."), never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class K3sFactAttribute : FactAttribute
{
    public K3sFactAttribute()
    {
        if (DockerEngine.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
