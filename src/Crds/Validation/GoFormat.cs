using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// Renders values the way Go's fmt does in kube-apiserver messages (<c>%v</c> for numbers, <c>%q</c> for
/// strings), so that error text matches what <c>kubectl</c> users see from a real cluster.
/// </summary>
internal static class GoFormat
{
    /// <summary>Go's <c>%v</c> of a value held in a field error.</summary>
    public static string Value(object? value) => value switch
    {
        // Go prints a nil bad value as the string "null", quoted.
        null => Quote("null"),
        string s => Quote(s),
        bool b => b ? "true" : "false",
        long or int => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => Float(d),
        JsonObject o => "map[string]interface {}{" + string.Join(", ", o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => Quote(p.Key) + ":" + Value(JsonValues.ToPlain(p.Value)))) + "}",
        JsonArray a => "[]interface {}{" + string.Join(", ", a.Select(i => Value(JsonValues.ToPlain(i)))) + "}",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };

    /// <summary>Go's <c>strconv.Quote</c>: double quotes, backslash escapes for quotes, backslashes and control characters.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>
    /// Go's <c>%v</c> of a float64: the shortest round-trip digits, in exponent form when the decimal exponent is
    /// below -4 or at least 6 (so 86400 prints as 86400 and 2000000 as 2e+06).
    /// </summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        if (value == 0)
        {
            return "0";
        }

        var (digits, pointPosition) = ShortestDigits(Math.Abs(value));
        var sign = value < 0 ? "-" : "";
        var exponent = pointPosition - 1;
        if (exponent < -4 || exponent >= 6)
        {
            var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            var expSign = exponent < 0 ? "-" : "+";
            return sign + mantissa + "e" + expSign + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }

        if (pointPosition <= 0)
        {
            return sign + "0." + new string('0', -pointPosition) + digits;
        }

        if (pointPosition >= digits.Length)
        {
            return sign + digits + new string('0', pointPosition - digits.Length);
        }

        return sign + digits[..pointPosition] + "." + digits[pointPosition..];
    }

    // Splits the shortest round-trip representation into significant digits and the position of the decimal point.
    private static (string Digits, int PointPosition) ShortestDigits(double positive)
    {
        var text = positive.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? text[..dot] : text;
        var fracPart = dot >= 0 ? text[(dot + 1)..] : "";
        var all = intPart + fracPart;
        var leadingZeros = all.Length - all.TrimStart('0').Length;
        var digits = all.Trim('0');
        var pointPosition = intPart.Length - leadingZeros + exponent;
        return (digits.Length == 0 ? "0" : digits, pointPosition);
    }

    /// <summary>JSON text of an enum member for <c>supported values</c>: strings as-is, anything else as JSON.</summary>
    public static string EnumMember(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node?.ToJsonString() ?? "null";
}
