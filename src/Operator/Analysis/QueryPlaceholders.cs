namespace AgentOperator.Operator.Analysis;

/// <summary>Substitutes {{workflow}}, {{revision}}, {{namespace}} and {{window}} (a Prometheus duration such as 300s) in queries and URLs.</summary>
internal static class QueryPlaceholders
{
    public static string Substitute(string template, RevisionScope scope) => Substitute(template, scope, static value => value);

    /// <summary>For URLs: each substituted value is escaped as a URI data string.</summary>
    public static string SubstituteInUrl(string template, RevisionScope scope) => Substitute(template, scope, Uri.EscapeDataString);

    private static string Substitute(string template, RevisionScope scope, Func<string, string> encode)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(scope);
        return template
            .Replace("{{workflow}}", encode(scope.Workflow), StringComparison.Ordinal)
            .Replace("{{revision}}", encode(scope.Revision), StringComparison.Ordinal)
            .Replace("{{namespace}}", encode(scope.Namespace), StringComparison.Ordinal)
            .Replace("{{window}}", encode(AgentMetricQueries.Window(scope.Window)), StringComparison.Ordinal);
    }
}
