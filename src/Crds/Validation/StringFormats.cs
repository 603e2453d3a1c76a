using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentOperator.Crds.Validation;

/// <summary>The string formats kube-apiserver checks that are cheap to check here; unknown formats pass, as in Kubernetes.</summary>
internal static partial class StringFormats
{
    public static bool IsValid(string format, string value) => format switch
    {
        "date-time" => IsDateTime(value),
        "date" => DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "uri" => IsUri(value),
        "uuid" => Guid.TryParseExact(value, "D", out _),
        "byte" => IsBase64(value),
        "ipv4" => System.Net.IPAddress.TryParse(value, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && value.Count(c => c == '.') == 3,
        "ipv6" => System.Net.IPAddress.TryParse(value, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "hostname" => Hostname().IsMatch(value),
        _ => true,
    };

    // RFC 3339 with a mandatory offset (Z or ±hh:mm), fractional seconds optional.
    private static bool IsDateTime(string value) =>
        DateTimeShape().IsMatch(value)
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);

    // As lenient as Go's url.Parse, which kube-apiserver uses: relative references pass; control characters,
    // broken percent-escapes and spaces in the authority do not.
    private static bool IsUri(string value)
    {
        if (value.Any(c => c < 0x20 || c == 0x7f) || BrokenEscape().IsMatch(value))
        {
            return false;
        }

        var authority = Authority().Match(value);
        return !(authority.Success && authority.Groups[1].Value.Contains(' ', StringComparison.Ordinal));
    }

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out _);
    }

    [GeneratedRegex("%(?![0-9A-Fa-f]{2})")]
    private static partial Regex BrokenEscape();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)")]
    private static partial Regex Authority();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex DateTimeShape();

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex Hostname();
}
