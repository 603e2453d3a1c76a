namespace AgentOperator.Policy.Rules.Checking;

/// <summary>A static CEL type as the checker knows it; <see cref="CelTypeKind.Dyn"/> when only run time can tell.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Fields">Known fields of an object (a map with named members).</param>
/// <param name="Closed">True when an object has no fields beyond <paramref name="Fields"/> (additionalProperties: false).</param>
/// <param name="Element">Element type of a list, value type of a map.</param>
internal sealed record CelType(CelTypeKind Kind, IReadOnlyDictionary<string, CelType>? Fields = null, bool Closed = false, CelType? Element = null)
{
    public static readonly CelType Dyn = new(CelTypeKind.Dyn);
    public static readonly CelType Bool = new(CelTypeKind.Bool);
    public static readonly CelType Int = new(CelTypeKind.Number);
    public static readonly CelType Double = new(CelTypeKind.Number);
    public static readonly CelType String = new(CelTypeKind.String);
    public static readonly CelType Bytes = new(CelTypeKind.Bytes);
    public static readonly CelType Null = new(CelTypeKind.Null);

    public static CelType List(CelType element) => new(CelTypeKind.List, Element: element);

    public static CelType Map(CelType value) => new(CelTypeKind.Map, Element: value);

    public static CelType Object(IReadOnlyDictionary<string, CelType> fields, bool closed) => new(CelTypeKind.Map, fields, closed, Dyn);

    /// <summary>The name used in messages.</summary>
    public string Name => Kind switch
    {
        CelTypeKind.Number => "number",
        CelTypeKind.Map when Fields is not null => "object",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>Kinds the checker tells apart; int, uint and double are one number kind (CEL compares them across kinds).</summary>
internal enum CelTypeKind
{
    Dyn,
    Bool,
    Number,
    String,
    Bytes,
    Null,
    List,
    Map,
}
