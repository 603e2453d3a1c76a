using AgentOperator.DevCluster.Auth;

namespace AgentOperator.DevCluster.Api;

/// <summary>The query parameters and caller of a write (create/update/patch/apply).</summary>
/// <param name="FieldManager">Who is writing, recorded in managedFields.</param>
/// <param name="Force">Server-side apply: take ownership of conflicting fields.</param>
/// <param name="DryRun">Validate and answer as if written, but store nothing (<c>dryRun=All</c>).</param>
/// <param name="User">The authenticated caller.</param>
/// <param name="FieldValidation"><c>Strict</c>, <c>Warn</c> or <c>Ignore</c>: what to do about fields the schema does not declare.</param>
internal sealed record WriteOptions(string FieldManager, bool Force = false, bool DryRun = false, UserInfo? User = null, string? FieldValidation = null)
{
    public static readonly WriteOptions Controller = new("devcluster-controller");

    /// <summary>Receives the text of each HTTP <c>Warning</c> admission adds; null drops them.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>The subresource the client addressed when the write goes through the parent (the scale subresource); null otherwise.</summary>
    public string? RequestSubresource { get; init; }
}
