using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// One validation failure, in the shape of apimachinery's <c>field.Error</c>. <see cref="ToString"/> renders
/// exactly what kube-apiserver prints, e.g. <c>spec.budgets.maxSteps: Invalid value: 0: spec.budgets.maxSteps in body
/// should be greater than or equal to 1</c>.
/// </summary>
/// <param name="Path">Field path, e.g. <c>spec.tools[0].name</c>; <c>&lt;nil&gt;</c> for an error about the whole object.</param>
/// <param name="Type">What kind of failure.</param>
/// <param name="Detail">Human-readable detail; may be empty.</param>
/// <param name="BadValue">The offending value (string, long, double, bool, a JSON node, or null); not shown for Required, Forbidden, TooLong and Internal.</param>
public sealed record FieldError(string Path, FieldErrorType Type, string Detail, object? BadValue = null)
{
    /// <summary>The machine-readable reason of a status cause, e.g. <c>FieldValueInvalid</c>.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Internal => "InternalError",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        _ => throw new InvalidOperationException($"unknown field error type {Type}"),
    };

    /// <summary>The message without the field path (apimachinery's <c>ErrorBody</c>), as used in a status cause.</summary>
    public string Body
    {
        get
        {
            var body = Type switch
            {
                FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong or FieldErrorType.Internal => Title,
                _ => $"{Title}: {GoFormat.Value(BadValue)}",
            };
            return Detail.Length == 0 ? body : $"{body}: {Detail}";
        }
    }

    private string Title => Type switch
    {
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.Required => "Required value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Invalid or FieldErrorType.TypeInvalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.Internal => "Internal error",
        _ => throw new InvalidOperationException($"unknown field error type {Type}"),
    };

    /// <summary><c>path: body</c>, exactly as apimachinery's <c>field.Error.Error()</c>.</summary>
    public override string ToString() => $"{Path}: {Body}";

    public static FieldError Required(string path, string detail = "") => new(path, FieldErrorType.Required, detail, "");

    public static FieldError Forbidden(string path, string detail) => new(path, FieldErrorType.Forbidden, detail, "");

    public static FieldError Invalid(string path, object? value, string detail) => new(path, FieldErrorType.Invalid, detail, value);

    public static FieldError TypeInvalid(string path, object? value, string detail) => new(path, FieldErrorType.TypeInvalid, detail, value);

    public static FieldError Duplicate(string path, object? value) => new(path, FieldErrorType.Duplicate, "", value);

    public static FieldError NotSupported(string path, object? value, IEnumerable<string> supported)
    {
        var quoted = supported.Select(GoFormat.Quote).ToList();
        return new(path, FieldErrorType.NotSupported, quoted.Count == 0 ? "" : "supported values: " + string.Join(", ", quoted), value);
    }

    public static FieldError TooLong(string path, long maxLength) =>
        new(path, FieldErrorType.TooLong, $"may not be more than {maxLength} bytes", "");

    public static FieldError TooMany(string path, long actual, long max) =>
        new(path, FieldErrorType.TooMany, $"must have at most {max} items", actual);

    public static FieldError Internal(string path, string detail) => new(path, FieldErrorType.Internal, detail);

    /// <summary>The value of a JSON node as it appears in an error (scalars unwrapped).</summary>
    internal static object? ValueOf(JsonNode? node) => JsonValues.ToPlain(node);
}
