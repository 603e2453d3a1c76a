using System.Runtime.InteropServices;
using System.Text.Json;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Rules.Compiled;

/// <summary>
/// One CEL value without boxing: scalars inline, strings and CLR maps by reference, JSON objects and arrays
/// as the caller's <see cref="JsonElement"/> (read in place, never converted). Numbers from JSON follow
/// <see cref="CelValues.FromJson"/>: a decimal point or exponent means double, otherwise int when it fits.
/// </summary>
internal readonly struct CelValue
{
    private readonly long _bits;
    private readonly object? _reference;
    private readonly JsonElement _json;

    private CelValue(CelKind kind, long bits = 0, object? reference = null, JsonElement json = default)
    {
        Kind = kind;
        _bits = bits;
        _reference = reference;
        _json = json;
    }

    public CelKind Kind { get; }

    public static CelValue Null => default;

    public static CelValue True { get; } = new(CelKind.Bool, 1);

    public static CelValue False { get; } = new(CelKind.Bool, 0);

    public bool AsBool => _bits != 0;

    public long AsInt => _bits;

    public double AsDouble => BitConverter.Int64BitsToDouble(_bits);

    public string AsString => (string)_reference!;

    public static CelValue Bool(bool value) => value ? True : False;

    public static CelValue Int(long value) => new(CelKind.Int, value);

    public static CelValue Double(double value) => new(CelKind.Double, BitConverter.DoubleToInt64Bits(value));

    public static CelValue String(string value) => new(CelKind.String, reference: value);

    /// <summary>The <c>run</c> variable: a map over the snapshot, read field by field.</summary>
    public static CelValue Run(RunSnapshot run) => new(CelKind.Map, reference: run);

    /// <summary>A map variable built once per bundle (<c>tool</c>, <c>models</c>).</summary>
    public static CelValue Map(IReadOnlyDictionary<string, object?> map) => new(CelKind.Map, reference: map);

    /// <summary>A JSON value as CEL sees it after <see cref="CelValues.FromJson"/>.</summary>
    public static CelValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new(CelKind.Map, json: element),
        JsonValueKind.Array => new(CelKind.List, json: element),
        JsonValueKind.String => String(element.GetString()!),
        JsonValueKind.Number => Number(element),
        JsonValueKind.True => True,
        JsonValueKind.False => False,
        _ => Null,
    };

    /// <summary>A value of a CLR map variable; types the compiled subset does not model defer.</summary>
    public static CelValue FromClr(object? value) => value switch
    {
        null => Null,
        bool b => Bool(b),
        long l => Int(l),
        int i => Int(i),
        double d => Double(d),
        string s => String(s),
        IReadOnlyDictionary<string, object?> map => Map(map),
        _ => CelDeferral.Throw<CelValue>(),
    };

    private static CelValue Number(JsonElement element)
    {
        // The raw bytes, not GetRawText: no string is allocated to find the decimal point.
        var raw = JsonMarshal.GetRawUtf8Value(element);
        return raw.IndexOfAny("."u8[0], (byte)'e', (byte)'E') < 0 && element.TryGetInt64(out var integer)
            ? Int(integer)
            : Double(element.GetDouble());
    }

    /// <summary>Field selection on a map; false when the key is absent. Non-maps defer.</summary>
    public bool TryGetField(string name, out CelValue value)
    {
        if (Kind != CelKind.Map)
        {
            value = default;
            return CelDeferral.Throw<bool>();
        }

        switch (_reference)
        {
            case null:
                // Duplicate JSON keys: TryGetProperty finds the last, as CelValues.FromJson keeps the last.
                if (_json.TryGetProperty(name, out var property))
                {
                    value = FromJson(property);
                    return true;
                }

                break;
            case RunSnapshot run:
                return TryGetRunField(run, name, out value);
            case IReadOnlyDictionary<string, object?> map when map.TryGetValue(name, out var field):
                value = FromClr(field);
                return true;
        }

        value = default;
        return false;
    }

    /// <summary>The number of elements, entries or Unicode code points (CEL <c>size</c>); other kinds defer.</summary>
    public long Size() => Kind switch
    {
        CelKind.String => CodePoints(AsString),
        CelKind.List => _json.GetArrayLength(),
        // A JSON object may repeat a key, which the interpreter's map counts once: left to it.
        CelKind.Map when _reference is IReadOnlyDictionary<string, object?> map => map.Count,
        _ => CelDeferral.Throw<long>(),
    };

    /// <summary>List element by index; out of range defers (the interpreter reports it).</summary>
    public CelValue Element(long index)
    {
        if (Kind != CelKind.List || index < 0 || index >= _json.GetArrayLength())
        {
            return CelDeferral.Throw<CelValue>();
        }

        return FromJson(_json[(int)index]);
    }

    /// <summary>True when any list element equals <paramref name="value"/> (CEL <c>in</c> over a list).</summary>
    public bool ListContains(CelValue value)
    {
        foreach (var item in _json.EnumerateArray())
        {
            if (CelOperators.Equal(value, FromJson(item)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryGetRunField(RunSnapshot run, string name, out CelValue value)
    {
        // The same fields, types and absence of a null task as the interpreter's run variable.
        value = name switch
        {
            "id" => String(run.RunId),
            "steps" => Int(run.Steps),
            "toolCalls" => Int(run.ToolCalls),
            "tokens" => Int(run.Tokens),
            "costUsd" => Double(run.CostUsd),
            "elapsedSeconds" => Double(run.ElapsedSeconds),
            "task" when run.Task is { } task => String(task),
            _ => Null,
        };
        return name is "id" or "steps" or "toolCalls" or "tokens" or "costUsd" or "elapsedSeconds" || (name == "task" && run.Task is not null);
    }

    private static long CodePoints(string text)
    {
        var count = 0L;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }
}
