namespace AgentOperator.Contracts;

/// <summary>
/// The agent's own account of a tool call (an "action packet"): what it means to achieve (<see cref="IntentHeader"/>)
/// and why this call (<see cref="ReasonHeader"/>). Optional request headers on a tool call, percent-encoded UTF-8
/// (RFC 3986) so any language fits in a header; the gateway decodes them, refuses a malformed or over-long one (400),
/// records both in the call's audit record, copies them to the AgentApproval it creates (<c>spec.intent</c>,
/// <c>spec.reason</c>) and shows them to policy rules as <c>request.intent</c> and <c>request.reason</c>. They are the
/// agent's claims, never evidence: nothing is allowed because of what they say.
/// </summary>
public static class ActionPacket
{
    /// <summary>Header naming what the agent means to achieve with the call, e.g. "refund order A-1001 (damaged item)".</summary>
    public const string IntentHeader = "X-Agent-Intent";

    /// <summary>Header naming why the agent takes this action, e.g. "customer sent a photo; policy allows refunds under 100 USD".</summary>
    public const string ReasonHeader = "X-Agent-Reason";

    /// <summary>Longest intent, in characters after decoding.</summary>
    public const int MaxIntentLength = 256;

    /// <summary>Longest reason, in characters after decoding.</summary>
    public const int MaxReasonLength = 1024;

    /// <summary>
    /// Decodes one header value: null when absent or blank, else the decoded text; <paramref name="error"/> says what is
    /// wrong (a control character, longer than <paramref name="maxLength"/>).
    /// </summary>
    public static bool TryDecode(string? header, string name, int maxLength, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (string.IsNullOrWhiteSpace(header))
        {
            return true;
        }

        // Invalid escapes stay as they were sent (Uri.UnescapeDataString never throws): the text is still one line.
        var decoded = Uri.UnescapeDataString(header.Trim());
        if (decoded.Any(char.IsControl))
        {
            error = $"the {name} header holds a control character; send one line of text";
            return false;
        }

        if (decoded.Length > maxLength)
        {
            error = $"the {name} header is {decoded.Length} characters long; at most {maxLength} are allowed";
            return false;
        }

        value = decoded;
        return true;
    }

    /// <summary>The header value an agent sends for <paramref name="text"/>.</summary>
    public static string Encode(string text) => Uri.EscapeDataString(text);
}
