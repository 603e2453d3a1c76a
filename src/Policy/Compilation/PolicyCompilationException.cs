namespace AgentOperator.Policy.Compilation;

/// <summary>A bundle (or workflow) does not compile; <see cref="Errors"/> lists every problem.</summary>
public sealed class PolicyCompilationException : Exception
{
    /// <summary>Creates the exception from its errors.</summary>
    public PolicyCompilationException(IReadOnlyList<SpecError> errors)
        : base(Summarize(errors)) => Errors = errors;

    /// <summary>Creates the exception without located errors.</summary>
    public PolicyCompilationException() : this([]) { }

    /// <summary>Creates the exception with one message.</summary>
    public PolicyCompilationException(string message) : base(message) => Errors = [];

    /// <summary>Creates the exception with one message and a cause.</summary>
    public PolicyCompilationException(string message, Exception innerException) : base(message, innerException) => Errors = [];

    /// <summary>Every error with its path.</summary>
    public IReadOnlyList<SpecError> Errors { get; }

    private static string Summarize(IReadOnlyList<SpecError> errors) =>
        errors.Count == 0 ? "the policy does not compile" : "the policy does not compile: " + string.Join("; ", errors);
}
