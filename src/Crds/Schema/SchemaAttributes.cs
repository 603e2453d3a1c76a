namespace AgentOperator.Crds.Schema;

/// <summary>The property must be present (OpenAPI <c>required</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>Value the API server fills in when the field is absent (OpenAPI <c>default</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

/// <summary>Inclusive (or exclusive) lower bound of a number.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(double value) : Attribute
{
    public double Value { get; } = value;
    public bool Exclusive { get; init; }
}

/// <summary>Inclusive (or exclusive) upper bound of a number.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(double value) : Attribute
{
    public double Value { get; } = value;
    public bool Exclusive { get; init; }
}

/// <summary>ECMA-262 regular expression a string must match.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string regex) : Attribute
{
    public string Regex { get; } = regex;
}

/// <summary>String length bounds.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute : Attribute
{
    public int Min { get; init; } = -1;
    public int Max { get; init; } = -1;
}

/// <summary>List (or map) size bounds. Kubernetes needs a <c>maxItems</c> to bound the cost of CEL rules over lists.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute : Attribute
{
    public int Min { get; init; } = -1;
    public int Max { get; init; } = -1;
}

/// <summary>String format (OpenAPI <c>format</c>), e.g. <c>date-time</c> or <c>uri</c>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}

/// <summary>A free-form JSON value: the schema keeps unknown fields (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>
/// A CEL rule (<c>x-kubernetes-validations</c>) evaluated with <c>self</c> bound to the annotated type or property.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule) : Attribute
{
    public string Rule { get; } = rule;

    /// <summary>Message returned when the rule fails; it should name the field and what is allowed.</summary>
    public string? Message { get; init; }

    /// <summary>Relative JSON path of the field the error is reported on (e.g. <c>.maxSteps</c>).</summary>
    public string? FieldPath { get; init; }

    /// <summary>
    /// Machine-readable reason: FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired, FieldValueDuplicate.
    /// kube-apiserver drops the message of a FieldValueDuplicate rule (it prints only <c>Duplicate value: "array"</c>),
    /// so uniqueness rules keep the default to show their message.
    /// </summary>
    public string? Reason { get; init; }
}
