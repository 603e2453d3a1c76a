namespace AgentOperator.KubectlAgents.Cli;

/// <summary>How a command prints what it read: a table (kubectl's default), <c>wide</c> (more columns), JSON or YAML.</summary>
public enum OutputFormat
{
    Table,
    Wide,
    Json,
    Yaml,
}
