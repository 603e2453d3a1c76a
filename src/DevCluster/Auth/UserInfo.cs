namespace AgentOperator.DevCluster.Auth;

/// <summary>An authenticated caller, as in authentication.k8s.io/v1 UserInfo.</summary>
public sealed record UserInfo(string Name, string Uid, IReadOnlyList<string> Groups)
{
    /// <summary>For service-account tokens: the extra values kube-apiserver adds (pod name etc.); empty otherwise.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
