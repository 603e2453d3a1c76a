namespace AgentOperator.Policy.Rules.Compiled;

/// <summary>
/// CEL operators over <see cref="CelValue"/>, limited to the type combinations whose results match the Cel
/// package (0.3.3) exactly; every other combination, and every case where the package reports an error,
/// defers to the interpreter.
/// </summary>
internal static class CelOperators
{
    // Beyond 2^53 a long does not convert to double exactly, and mixed comparisons could round differently.
    private const long ExactDoubleLimit = 1L << 53;

    /// <summary>CEL <c>==</c>.</summary>
    public static bool Equal(CelValue left, CelValue right)
    {
        switch (left.Kind, right.Kind)
        {
            case (CelKind.Int, CelKind.Int):
                return left.AsInt == right.AsInt;
            case (CelKind.String, CelKind.String):
                return string.Equals(left.AsString, right.AsString, StringComparison.Ordinal);
            case (CelKind.Bool, CelKind.Bool):
                return left.AsBool == right.AsBool;
            case (CelKind.Null, CelKind.Null):
                return true;
            case (CelKind.Null, CelKind.Int or CelKind.Double or CelKind.String or CelKind.Map):
            case (CelKind.Int or CelKind.Double or CelKind.String or CelKind.Map, CelKind.Null):
                return false;
        }

        return Compare(left, right) == 0;
    }

    /// <summary>CEL ordering (<c>&lt;</c>, <c>&lt;=</c>, ...) of numbers (int and double mix) and strings.</summary>
    public static int Compare(CelValue left, CelValue right)
    {
        switch (left.Kind, right.Kind)
        {
            case (CelKind.Int, CelKind.Int):
                return left.AsInt.CompareTo(right.AsInt);
            case (CelKind.Double, CelKind.Double):
                return CompareDoubles(left.AsDouble, right.AsDouble);
            case (CelKind.Int, CelKind.Double):
                return CompareDoubles(ExactDouble(left.AsInt), right.AsDouble);
            case (CelKind.Double, CelKind.Int):
                return CompareDoubles(left.AsDouble, ExactDouble(right.AsInt));
            case (CelKind.String, CelKind.String):
                var (a, b) = (left.AsString, right.AsString);
                // UTF-16 order equals code point order unless surrogates meet U+E000..U+FFFF.
                if (a.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0 || b.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0)
                {
                    return CelDeferral.Throw<int>();
                }

                return Math.Sign(string.CompareOrdinal(a, b));
            default:
                return CelDeferral.Throw<int>();
        }
    }

    /// <summary>CEL <c>+</c> on ints (overflow defers), doubles and strings.</summary>
    public static CelValue Add(CelValue left, CelValue right) => (left.Kind, right.Kind) switch
    {
        (CelKind.Int, CelKind.Int) => CheckedInt(left.AsInt, right.AsInt, static (a, b) => checked(a + b)),
        (CelKind.Double, CelKind.Double) => CelValue.Double(left.AsDouble + right.AsDouble),
        (CelKind.String, CelKind.String) => CelValue.String(string.Concat(left.AsString, right.AsString)),
        _ => CelDeferral.Throw<CelValue>(),
    };

    /// <summary>CEL <c>-</c> on ints and doubles.</summary>
    public static CelValue Subtract(CelValue left, CelValue right) => (left.Kind, right.Kind) switch
    {
        (CelKind.Int, CelKind.Int) => CheckedInt(left.AsInt, right.AsInt, static (a, b) => checked(a - b)),
        (CelKind.Double, CelKind.Double) => CelValue.Double(left.AsDouble - right.AsDouble),
        _ => CelDeferral.Throw<CelValue>(),
    };

    /// <summary>CEL <c>*</c> on ints and doubles.</summary>
    public static CelValue Multiply(CelValue left, CelValue right) => (left.Kind, right.Kind) switch
    {
        (CelKind.Int, CelKind.Int) => CheckedInt(left.AsInt, right.AsInt, static (a, b) => checked(a * b)),
        (CelKind.Double, CelKind.Double) => CelValue.Double(left.AsDouble * right.AsDouble),
        _ => CelDeferral.Throw<CelValue>(),
    };

    /// <summary>CEL <c>/</c>: truncating on ints (zero and overflow defer), IEEE on doubles.</summary>
    public static CelValue Divide(CelValue left, CelValue right) => (left.Kind, right.Kind) switch
    {
        (CelKind.Int, CelKind.Int) when right.AsInt != 0 => CheckedInt(left.AsInt, right.AsInt, static (a, b) => checked(a / b)),
        // The package answers NaN for x / 0.0 where IEEE says infinity: left to it.
        (CelKind.Double, CelKind.Double) when right.AsDouble != 0 => CelValue.Double(left.AsDouble / right.AsDouble),
        _ => CelDeferral.Throw<CelValue>(),
    };

    /// <summary>CEL <c>%</c> on ints only (the package has no double modulus).</summary>
    public static CelValue Modulo(CelValue left, CelValue right) => (left.Kind, right.Kind) switch
    {
        (CelKind.Int, CelKind.Int) when right.AsInt != 0 => CheckedInt(left.AsInt, right.AsInt, static (a, b) => checked(a % b)),
        _ => CelDeferral.Throw<CelValue>(),
    };

    /// <summary>CEL unary <c>-</c>.</summary>
    public static CelValue Negate(CelValue value) => value.Kind switch
    {
        CelKind.Int when value.AsInt != long.MinValue => CelValue.Int(-value.AsInt),
        CelKind.Double => CelValue.Double(-value.AsDouble),
        _ => CelDeferral.Throw<CelValue>(),
    };

    /// <summary>The value as a boolean where CEL needs one (<c>!</c>, <c>&amp;&amp;</c>, <c>?:</c>); anything else defers.</summary>
    public static bool Truth(CelValue value) => value.Kind == CelKind.Bool ? value.AsBool : CelDeferral.Throw<bool>();

    private static int CompareDoubles(double left, double right) =>
        double.IsNaN(left) || double.IsNaN(right) ? CelDeferral.Throw<int>() : left.CompareTo(right);

    private static double ExactDouble(long value) =>
        value is > -ExactDoubleLimit and < ExactDoubleLimit ? value : CelDeferral.Throw<double>();

    private static CelValue CheckedInt(long left, long right, Func<long, long, long> operation)
    {
        try
        {
            return CelValue.Int(operation(left, right));
        }
        catch (OverflowException)
        {
            return CelDeferral.Throw<CelValue>();
        }
    }
}
