namespace AgentOperator.DevCluster.Api;

/// <summary>meta/v1 DeleteOptions as far as the server honours them.</summary>
/// <param name="PropagationPolicy"><c>Orphan</c>, <c>Background</c> or <c>Foreground</c>; null means the resource's default (Background).</param>
/// <param name="PreconditionUid">Delete only if the object still has this uid.</param>
/// <param name="PreconditionResourceVersion">Delete only if the object is still at this resourceVersion.</param>
/// <param name="DryRun">Answer as if deleted, but keep the object (<c>dryRun=All</c>).</param>
internal sealed record DeleteOptions(string? PropagationPolicy = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, bool DryRun = false)
{
    /// <summary>The client deleting; null for the server's own controllers, which admission does not see.</summary>
    public Auth.UserInfo? User { get; init; }

    /// <summary>The deprecated orphanDependents as sent (null when absent); false makes a pending deletion answer 202.</summary>
    public bool? OrphanDependents { get; init; }

    /// <summary>Receives the text of each HTTP <c>Warning</c> admission adds; null drops them.</summary>
    public Action<string>? Warn { get; init; }
}
