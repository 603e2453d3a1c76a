namespace AgentOperator.Crds.Validation;

/// <summary>Why a field is invalid; mirrors apimachinery's <c>field.ErrorType</c>.</summary>
public enum FieldErrorType
{
    /// <summary>A referenced value does not exist (<c>FieldValueNotFound</c>).</summary>
    NotFound,

    /// <summary>A required value is missing (<c>FieldValueRequired</c>).</summary>
    Required,

    /// <summary>A value that must be unique is repeated (<c>FieldValueDuplicate</c>).</summary>
    Duplicate,

    /// <summary>A malformed or out-of-bounds value (<c>FieldValueInvalid</c>).</summary>
    Invalid,

    /// <summary>A value outside an enumeration (<c>FieldValueNotSupported</c>).</summary>
    NotSupported,

    /// <summary>A value not permitted in the current circumstances (<c>FieldValueForbidden</c>).</summary>
    Forbidden,

    /// <summary>A string longer than allowed (<c>FieldValueTooLong</c>).</summary>
    TooLong,

    /// <summary>A list or map with more entries than allowed (<c>FieldValueTooMany</c>).</summary>
    TooMany,

    /// <summary>An error that is not the input's fault (<c>InternalError</c>).</summary>
    Internal,

    /// <summary>A value of the wrong JSON type (<c>FieldValueTypeInvalid</c>).</summary>
    TypeInvalid,
}
