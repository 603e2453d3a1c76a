using System.Reflection;

namespace AgentOperator.Operator.Provisioning;

/// <summary>The operator's version, which is also the tag of the gateway image it injects.</summary>
public static class OperatorVersion
{
    /// <summary>Informational version of this assembly without build metadata (e.g. 0.1.0), or 0.0.0-dev.</summary>
    public static string Current { get; } = Read();

    private static string Read()
    {
        var version = typeof(OperatorVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(version))
        {
            return "0.0.0-dev";
        }

        // SourceLink appends "+<commit>", which is not a valid image tag character.
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
