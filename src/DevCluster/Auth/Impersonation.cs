using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// User impersonation (<c>Impersonate-User</c>, <c>Impersonate-Group</c> headers; <c>kubectl --as</c>): allowed when
/// the caller may <c>impersonate</c> users/groups/serviceaccounts, after which the request runs as the impersonated user.
/// </summary>
internal static class Impersonation
{
    public static UserInfo Apply(HttpContext ctx, UserInfo caller, RbacAuthorizer authorizer)
    {
        var user = ctx.Request.Headers["Impersonate-User"].ToString();
        if (user.Length == 0)
        {
            return caller;
        }

        var groups = ctx.Request.Headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        var parts = user.Split(':');
        var isServiceAccount = parts.Length == 4 && parts[0] == "system" && parts[1] == "serviceaccount";
        var check = isServiceAccount
            ? new RequestAttributes("impersonate", "", "serviceaccounts", "", parts[2], parts[3], true, ctx.Request.Path)
            : new RequestAttributes("impersonate", "", "users", "", "", user, true, ctx.Request.Path);
        if (!authorizer.Authorize(caller, check).Allowed)
        {
            var resource = new GroupResource("", check.Resource);
            throw ApiErrors.Forbidden(resource, user, $"{check.Resource} \"{user}\" is forbidden: {check.ForbiddenMessage(caller.Name)}");
        }

        if (isServiceAccount)
        {
            groups.AddRange(["system:serviceaccounts", $"system:serviceaccounts:{parts[2]}"]);
        }

        groups.Add("system:authenticated");
        return new UserInfo(user, "", groups.Distinct().ToList());
    }
}
