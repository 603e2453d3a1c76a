using AgentOperator.DevCluster.Auth;
using Cel;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// The <c>authorizer</c> variable of admission-policy CEL (k8s.io/apiserver/pkg/cel/library/authz.go), answered by
/// DevCluster's RBAC for the request's user: <c>authorizer.group(g).resource(r).subresource(s).namespace(ns).name(n).check(verb)</c>,
/// <c>authorizer.path(p).check(verb)</c>, <c>authorizer.serviceAccount(ns, name)</c> and <c>authorizer.requestResource</c>;
/// a check gives a decision with <c>allowed()</c>, <c>reason()</c>, <c>errored()</c> and <c>error()</c>.
/// </summary>
/// <remarks>It is a map so that the library can select its <c>requestResource</c> field; everything else is a function.</remarks>
internal sealed class CelAuthorizer : Dictionary<string, object?>
{
    /// <param name="rbac">Answers the checks.</param>
    /// <param name="user">Whose permissions are checked.</param>
    /// <param name="requestResource">The request's own resource, offered as <c>authorizer.requestResource</c>; null for none.</param>
    public CelAuthorizer(RbacAuthorizer rbac, UserInfo user, RequestAttributes? requestResource)
    {
        Rbac = rbac;
        User = user;
        if (requestResource is { } r)
        {
            this["requestResource"] = new ResourceCheck(this, r.Group) { Resource = r.Resource, Subresource = r.Subresource, Namespace = r.Namespace, Name = r.Name };
        }
    }

    public RbacAuthorizer Rbac { get; }

    public UserInfo User { get; }

    /// <summary>Registers the library's functions on <paramref name="environment"/> (before anything is compiled).</summary>
    public static void Register(CelEnvironment environment)
    {
        environment.RegisterFunction("group", [typeof(CelAuthorizer), typeof(string)], a => new ResourceCheck((CelAuthorizer)a[0]!, (string)a[1]!));
        environment.RegisterFunction("path", [typeof(CelAuthorizer), typeof(string)], a => new PathCheck((CelAuthorizer)a[0]!, (string)a[1]!));
        environment.RegisterFunction("serviceAccount", [typeof(CelAuthorizer), typeof(string), typeof(string)], a =>
        {
            var authorizer = (CelAuthorizer)a[0]!;
            var (ns, name) = ((string)a[1]!, (string)a[2]!);
            var user = new UserInfo($"system:serviceaccount:{ns}:{name}", "", ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"]);
            return new CelAuthorizer(authorizer.Rbac, user, null);
        });
        environment.RegisterFunction("resource", [typeof(ResourceCheck), typeof(string)], a => ((ResourceCheck)a[0]!) with { Resource = (string)a[1]! });
        environment.RegisterFunction("subresource", [typeof(ResourceCheck), typeof(string)], a => ((ResourceCheck)a[0]!) with { Subresource = (string)a[1]! });
        environment.RegisterFunction("namespace", [typeof(ResourceCheck), typeof(string)], a => ((ResourceCheck)a[0]!) with { Namespace = (string)a[1]! });
        environment.RegisterFunction("name", [typeof(ResourceCheck), typeof(string)], a => ((ResourceCheck)a[0]!) with { Name = (string)a[1]! });
        environment.RegisterFunction("check", [typeof(ResourceCheck), typeof(string)], a => ((ResourceCheck)a[0]!).Check((string)a[1]!));
        environment.RegisterFunction("check", [typeof(PathCheck), typeof(string)], a => ((PathCheck)a[0]!).Check((string)a[1]!));
        environment.RegisterFunction("allowed", [typeof(Decision)], a => ((Decision)a[0]!).Allowed);
        environment.RegisterFunction("reason", [typeof(Decision)], a => ((Decision)a[0]!).Reason);
        environment.RegisterFunction("errored", [typeof(Decision)], a => ((Decision)a[0]!).Error.Length > 0);
        environment.RegisterFunction("error", [typeof(Decision)], a => ((Decision)a[0]!).Error);
    }

    /// <summary>A resource check being built: <c>authorizer.group(…)</c> and the calls chained on it.</summary>
    internal sealed record ResourceCheck(CelAuthorizer Authorizer, string Group)
    {
        public string Resource { get; init; } = "";

        public string Subresource { get; init; } = "";

        public string Namespace { get; init; } = "";

        public string Name { get; init; } = "";

        public Decision Check(string verb)
        {
            var (allowed, reason) = Authorizer.Rbac.Authorize(Authorizer.User, new RequestAttributes(verb, Group, Resource, Subresource, Namespace, Name, true, ""));
            return new Decision(allowed, reason, "");
        }
    }

    /// <summary>A non-resource check: <c>authorizer.path(…)</c>.</summary>
    internal sealed record PathCheck(CelAuthorizer Authorizer, string Path)
    {
        public Decision Check(string verb)
        {
            var (allowed, reason) = Authorizer.Rbac.Authorize(Authorizer.User, RequestAttributes.NonResource(verb, Path));
            return new Decision(allowed, reason, "");
        }
    }

    /// <summary>An authorization decision; RBAC never errors, so <see cref="Error"/> is always empty here.</summary>
    internal sealed record Decision(bool Allowed, string Reason, string Error);
}
