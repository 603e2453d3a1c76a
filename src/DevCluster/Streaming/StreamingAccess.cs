using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// Authorization of the streaming pod subresources (exec, portforward). SPDY upgrades are POSTs: verb create. WebSocket
/// upgrades must be GETs: verb get, and, as kube-apiserver does with AuthorizePodWebsocketUpgradeCreatePermission (on by
/// default since 1.35; 1.32 checked get alone), create as well, so a WebSocket opens no more than a SPDY POST would.
/// </summary>
internal static class StreamingAccess
{
    private static readonly GroupResource Pods = new("", "pods");

    /// <exception cref="ApiException">403 in kube-apiserver's words, naming the first verb refused.</exception>
    public static void Authorize(HttpContext ctx, RbacAuthorizer authorizer, string subresource, string ns, string name)
    {
        var user = (UserInfo)ctx.Items[ResourceHandler.UserItem]!;
        string[] verbs = HttpMethods.IsGet(ctx.Request.Method) ? ["get", "create"] : ["create"];
        foreach (var verb in verbs)
        {
            var attributes = new RequestAttributes(verb, "", "pods", subresource, ns, name, true, ctx.Request.Path);
            if (!authorizer.Authorize(user, attributes).Allowed)
            {
                throw ApiErrors.Forbidden(Pods, name, $"pods \"{name}\" is forbidden: {attributes.ForbiddenMessage(user.Name)}");
            }
        }
    }
}
