namespace AgentOperator.Policy.Compilation;

/// <summary>One compilation error, located in the source document.</summary>
/// <param name="Path">Where, e.g. <c>spec.tools[2].name</c> or <c>spec.policy.rules[0].condition</c>.</param>
/// <param name="Message">What is wrong.</param>
public sealed record SpecError(string Path, string Message)
{
    /// <summary>"path: message".</summary>
    public override string ToString() => $"{Path}: {Message}";
}
