namespace AgentOperator.DevCluster.Auth;

/// <summary>What a request does, in the terms RBAC rules are written in (authorizer.Attributes).</summary>
internal sealed record RequestAttributes(string Verb, string Group, string Resource, string Subresource, string Namespace, string Name, bool IsResourceRequest, string Path)
{
    public static RequestAttributes NonResource(string verb, string path) => new(verb, "", "", "", "", "", false, path);

    /// <summary>The forbidden message of kube-apiserver's authorization filter.</summary>
    public string ForbiddenMessage(string user)
    {
        if (!IsResourceRequest)
        {
            return $"User \"{user}\" cannot {Verb} path \"{Path}\"";
        }

        var resource = Subresource.Length > 0 ? $"{Resource}/{Subresource}" : Resource;
        return Namespace.Length > 0
            ? $"User \"{user}\" cannot {Verb} resource \"{resource}\" in API group \"{Group}\" in the namespace \"{Namespace}\""
            : $"User \"{user}\" cannot {Verb} resource \"{resource}\" in API group \"{Group}\" at the cluster scope";
    }
}
