namespace AgentOperator.DevCluster.Storage;

/// <summary>Builds the per-table key; '/' cannot occur in names, so it orders by namespace, then name.</summary>
internal static class ObjectKeys
{
    public static string Of(string ns, string name) => ns + "/" + name;
}
