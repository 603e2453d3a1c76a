using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// One write as admission sees it (k8s.io/apiserver admission.Attributes): the resource and subresource requested,
/// the operation, the final object (after patches, defaults and validation) and the stored one, and the caller after
/// impersonation.
/// </summary>
/// <param name="Type">The resource as the request addressed it (its group/version/resource and kind).</param>
/// <param name="Operation"><c>CREATE</c>, <c>UPDATE</c> or <c>DELETE</c>.</param>
/// <param name="Namespace">Empty for cluster-scoped resources.</param>
/// <param name="Name">The object's name; empty on a create with generateName, as in kube-apiserver.</param>
/// <param name="Subresource">E.g. <c>status</c>; empty for the main resource.</param>
/// <param name="Object">The object to be stored; null on DELETE.</param>
/// <param name="OldObject">The stored object; null on CREATE.</param>
/// <param name="User">The authenticated (and possibly impersonated) user.</param>
/// <param name="DryRun">The request is <c>dryRun=All</c>.</param>
/// <param name="Options">The request's CreateOptions, UpdateOptions or DeleteOptions, as <c>request.options</c>.</param>
internal sealed record AdmissionRequest(
    ResourceType Type, string Operation, string Namespace, string Name, string Subresource,
    JsonObject? Object, JsonObject? OldObject, UserInfo User, bool DryRun, JsonObject Options)
{
    /// <summary>Receives HTTP warnings (the text of one <c>Warning: 299 - "…"</c> header each); null drops them.</summary>
    public Action<string>? Warn { get; init; }
}
