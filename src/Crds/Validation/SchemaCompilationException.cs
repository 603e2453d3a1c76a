namespace AgentOperator.Crds.Validation;

/// <summary>A CRD schema that cannot be used: a CEL rule that does not compile, an invalid pattern, a malformed node.</summary>
public sealed class SchemaCompilationException : Exception
{
    public SchemaCompilationException(IReadOnlyList<FieldError> errors)
        : base("invalid openAPIV3Schema: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    public SchemaCompilationException()
        : this([])
    {
    }

    public SchemaCompilationException(string message)
        : base(message)
    {
        Errors = [];
    }

    public SchemaCompilationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Each problem, with its path inside the schema (e.g. <c>openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule</c>).</summary>
    public IReadOnlyList<FieldError> Errors { get; }
}
