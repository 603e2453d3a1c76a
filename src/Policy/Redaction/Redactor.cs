using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Redaction;

/// <summary>
/// Replaces the configured kinds of sensitive data with <c>[REDACTED:kind]</c> in strings and, recursively,
/// in JSON values, before anything reaches traces, audit records or approvals. What each kind matches:
/// <list type="bullet">
/// <item><b>email</b>: local@domain.tld.</item>
/// <item><b>card_number</b>: 13–19 digits, optionally grouped by single spaces or dashes, that pass the Luhn check.</item>
/// <item><b>card_last4</b>: the 4 digits of a JSON member named last4, last_4, card_last4, cardLast4, last_four,
/// card_last_four (case, '_' and '-' ignored) holding exactly 4 digits; and in text the 4 digits after
/// "ending in" / "ends with" / "last 4 (digits)" / "last four (digits)" (optionally followed by "is", ":" or "="),
/// or after a mask of 4 '*', 'x' or '•' groups such as "**** 1234" or "xxxx-xxxx-1234".</item>
/// <item><b>phone</b>: international numbers starting with '+' (8–15 digits, spaces, dots, dashes or
/// parentheses between groups) and North American numbers written with separators ((555) 123-4567,
/// 555-123-4567, 555.123.4567). A bare run of digits is not a phone: it is more often an id.</item>
/// <item><b>api_key</b>: OpenAI/Anthropic-style sk-…, AWS access key ids AKIA…, GitHub tokens ghp_/gho_/ghu_/ghs_/ghr_
/// and github_pat_…, Slack xox?-…, the token of "Bearer …", and a high-entropy value (16+ characters, letters and
/// digits, at least 3 bits of entropy per character) after key=, api_key:, token=, secret=, password= and the like;
/// plus any string value of a JSON member named like a credential (apiKey, api_key, token, secret, password,
/// authorization, ...).</item>
/// </list>
/// </summary>
public sealed partial class Redactor
{
    private readonly HashSet<RedactionKind> _kinds;

    /// <summary>Creates a redactor for the given kinds (duplicates ignored).</summary>
    public Redactor(IEnumerable<RedactionKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        _kinds = [.. kinds];
    }

    /// <summary>The kinds redacted.</summary>
    public IReadOnlySet<RedactionKind> Kinds => _kinds;

    /// <summary>The placeholder of a kind, e.g. [REDACTED:email].</summary>
    public static string Placeholder(RedactionKind kind) => kind switch
    {
        RedactionKind.Email => "[REDACTED:email]",
        RedactionKind.CardNumber => "[REDACTED:card_number]",
        RedactionKind.CardLast4 => "[REDACTED:card_last4]",
        RedactionKind.Phone => "[REDACTED:phone]",
        RedactionKind.ApiKey => "[REDACTED:api_key]",
        _ => "[REDACTED]",
    };

    /// <summary>Redacts a string.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_kinds.Count == 0 || text.Length == 0)
        {
            return text;
        }

        // Keys first: they contain digit runs that other kinds could half-match.
        if (_kinds.Contains(RedactionKind.ApiKey))
        {
            text = KnownKeyFormat().Replace(text, Placeholder(RedactionKind.ApiKey));
            text = BearerToken().Replace(text, m => m.Groups["scheme"].Value + Placeholder(RedactionKind.ApiKey));
            text = KeyAssignment().Replace(text, m => IsHighEntropySecret(m.Groups["value"].Value)
                ? m.Groups["prefix"].Value + Placeholder(RedactionKind.ApiKey)
                : m.Value);
        }

        if (_kinds.Contains(RedactionKind.Email))
        {
            text = Email().Replace(text, Placeholder(RedactionKind.Email));
        }

        if (_kinds.Contains(RedactionKind.CardNumber))
        {
            text = CardCandidate().Replace(text, m => IsCardNumber(m.Value) ? Placeholder(RedactionKind.CardNumber) : m.Value);
        }

        if (_kinds.Contains(RedactionKind.CardLast4))
        {
            text = Last4Phrase().Replace(text, m => m.Groups["prefix"].Value + Placeholder(RedactionKind.CardLast4));
            text = MaskedCard().Replace(text, m => m.Groups["mask"].Value + Placeholder(RedactionKind.CardLast4));
        }

        if (_kinds.Contains(RedactionKind.Phone))
        {
            text = InternationalPhone().Replace(text, Placeholder(RedactionKind.Phone));
            text = NorthAmericanPhone().Replace(text, Placeholder(RedactionKind.Phone));
        }

        return text;
    }

    /// <summary>Returns a redacted deep copy of a JSON value (the original is not modified).</summary>
    public JsonNode? Redact(JsonNode? node) => RedactNode(node?.DeepClone(), memberName: null);

    /// <summary>Returns a redacted JSON copy of an element.</summary>
    public JsonNode? Redact(JsonElement element) => RedactNode(JsonSerializer.SerializeToNode(element), memberName: null);

    /// <summary>
    /// Returns a redacted copy of an element that outlives its document. Inputs with nothing to redact, the
    /// common case, are cloned as they are without building a node tree.
    /// </summary>
    public JsonElement RedactedCopy(JsonElement element) =>
        ChangesAnything(element, memberName: null) ? JsonSerializer.SerializeToElement(Redact(element)) : element.Clone();

    private JsonNode? RedactNode(JsonNode? node, string? memberName)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[name];
                    var redacted = RedactNode(child, name);
                    if (!ReferenceEquals(redacted, child))
                    {
                        obj[name] = redacted;
                    }
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var item = array[i];
                    var redacted = RedactNode(item, memberName);
                    if (!ReferenceEquals(redacted, item))
                    {
                        array[i] = redacted;
                    }
                }

                return array;
            case JsonValue value:
                var kind = value.GetValueKind();
                var text = kind switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.Number => value.ToJsonString(),
                    _ => null,
                };
                return text is not null && Replacement(kind, text, memberName) is { } replacement ? JsonValue.Create(replacement) : value;
            default:
                return node;
        }
    }

    /// <summary>True when <see cref="RedactNode"/> would change something in the element (the same walk, read-only).</summary>
    private bool ChangesAnything(JsonElement element, string? memberName)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (ChangesAnything(property.Value, property.Name))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (ChangesAnything(item, memberName))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.String:
                return Replacement(JsonValueKind.String, element.GetString()!, memberName) is not null;
            case JsonValueKind.Number:
                // Only 4 characters (last4) or 13 and more (a card number) can be redacted: skip the string otherwise.
                var length = JsonMarshal.GetRawUtf8Value(element).Length;
                return (length == 4 || length >= 13) && Replacement(JsonValueKind.Number, element.GetRawText(), memberName) is not null;
            default:
                return false;
        }
    }

    /// <summary>
    /// What replaces a string or number (<paramref name="text"/>: the string, or the number as written), or
    /// null when it stays.
    /// </summary>
    private string? Replacement(JsonValueKind kind, string text, string? memberName)
    {
        if (memberName is not null && _kinds.Contains(RedactionKind.CardLast4) && Last4MemberNames.Contains(NormalizeMemberName(memberName))
            && text is { Length: 4 } && text.All(char.IsAsciiDigit))
        {
            return Placeholder(RedactionKind.CardLast4);
        }

        if (kind != JsonValueKind.String)
        {
            // Numbers can be card numbers or phones too (a card typed as a JSON number).
            return _kinds.Contains(RedactionKind.CardNumber) && IsCardNumber(text) ? Placeholder(RedactionKind.CardNumber) : null;
        }

        if (memberName is not null && _kinds.Contains(RedactionKind.ApiKey) && text.Length >= 8 && CredentialMemberNames.Contains(NormalizeMemberName(memberName)))
        {
            return Placeholder(RedactionKind.ApiKey);
        }

        var redacted = Redact(text);
        return ReferenceEquals(redacted, text) || redacted == text ? null : redacted;
    }

    private static readonly HashSet<string> Last4MemberNames = new(StringComparer.Ordinal)
    {
        "last4", "cardlast4", "lastfour", "cardlastfour", "last4digits", "cardlast4digits",
    };

    private static readonly HashSet<string> CredentialMemberNames = new(StringComparer.Ordinal)
    {
        "apikey", "xapikey", "accesskey", "accesskeyid", "secretaccesskey", "secret", "clientsecret", "token", "accesstoken",
        "refreshtoken", "idtoken", "authtoken", "password", "passwd", "authorization", "privatekey", "bearer",
    };

    private static string NormalizeMemberName(string name) =>
        string.Concat(name.Where(c => c is not ('_' or '-' or ' '))).ToLowerInvariant();

    /// <summary>True for 13–19 digits (separators ignored) passing the Luhn check.</summary>
    public static bool IsCardNumber(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        Span<int> digits = stackalloc int[19];
        var count = 0;
        foreach (var c in candidate)
        {
            if (char.IsAsciiDigit(c))
            {
                if (count == 19)
                {
                    return false;
                }

                digits[count++] = c - '0';
            }
            else if (c is not (' ' or '-'))
            {
                return false;
            }
        }

        if (count < 13)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < count; i++)
        {
            var d = digits[count - 1 - i];
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    /// <summary>Random-looking: long enough, letters and digits, and at least 3 bits of Shannon entropy per character.</summary>
    public static bool IsHighEntropySecret(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < 16 || !value.Any(char.IsAsciiLetter) || !value.Any(char.IsAsciiDigit))
        {
            return false;
        }

        var entropy = 0.0;
        foreach (var group in value.GroupBy(c => c))
        {
            var p = (double)group.Count() / value.Length;
            entropy -= p * Math.Log2(p);
        }

        return entropy >= 3.0;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")]
    private static partial Regex CardCandidate();

    [GeneratedRegex(@"(?i)(?<prefix>\b(?:ending\s+(?:in|with)|ends\s+(?:in|with)|last\s*(?:4|four)(?:\s+digits)?(?:\s+(?:is|are))?\s*[:=]?)\s*)\d{4}\b")]
    private static partial Regex Last4Phrase();

    [GeneratedRegex(@"(?i)(?<mask>(?:[*x•]{4}[ -]?){1,3})\d{4}\b")]
    private static partial Regex MaskedCard();

    [GeneratedRegex(@"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\d)")]
    private static partial Regex InternationalPhone();

    [GeneratedRegex(@"(?<![\d-])(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?![\d-])")]
    private static partial Regex NorthAmericanPhone();

    [GeneratedRegex(@"\b(?:sk-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9-]{10,})")]
    private static partial Regex KnownKeyFormat();

    [GeneratedRegex(@"(?i)(?<scheme>\bbearer\s+)[A-Za-z0-9._~+/-]{12,}=*")]
    private static partial Regex BearerToken();

    [GeneratedRegex(@"(?i)(?<prefix>\b(?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|secret|token|access[_-]?token|auth[_-]?token|password|passwd|key)[""']?\s*[=:]\s*[""']?)(?<value>[A-Za-z0-9+/_.=-]{16,})")]
    private static partial Regex KeyAssignment();
}
