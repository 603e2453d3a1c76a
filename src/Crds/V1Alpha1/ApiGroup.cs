namespace AgentOperator.Crds.V1Alpha1;

/// <summary>Group and version of AgentOperator's resources.</summary>
public static class ApiGroup
{
    public const string Group = "agentoperator.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;
}
