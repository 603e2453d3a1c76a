using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.Contracts;
using AgentOperator.Crds.Generation;
using YamlDotNet.Core;

namespace AgentOperator.Operator.Notifications;

/// <summary>
/// Reads the webhooks of a namespace from the <c>webhooks.yaml</c> key of its notification ConfigMap:
/// <code>
/// - name: finance-slack          # unique, a DNS label; names the metric series and Events
///   format: slack                # slack | generic
///   urlKey: finance-slack        # key of Secret agentoperator-notifications holding the URL
///   workflows: [support-refund]  # optional: only these workflows (default: every workflow here)
///   events: [ApprovalRequested]  # optional: only these events (default: all)
/// </code>
/// Anything else is refused with the entry, the field and what is allowed: a typo must not silence a webhook.
/// </summary>
internal static partial class WebhookConfiguration
{
    private static readonly string[] Fields = ["name", "format", "urlKey", "workflows", "events"];

    /// <summary>The webhooks, or every error found (each names <c>webhooks.yaml</c>, the entry and the field).</summary>
    public static (IReadOnlyList<Webhook> Webhooks, IReadOnlyList<string> Errors) Parse(string? yaml)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(yaml))
        {
            return ([], [$"ConfigMap {NotificationSettings.ConfigMapName} has no key {NotificationSettings.WebhooksKey}: add a YAML list of webhooks"]);
        }

        JsonNode root;
        try
        {
            root = YamlReader.Read(yaml);
        }
        catch (Exception e) when (e is YamlException or FormatException)
        {
            return ([], [$"{NotificationSettings.WebhooksKey}: not valid YAML: {e.Message}"]);
        }

        if (root is not JsonArray entries)
        {
            return ([], [$"{NotificationSettings.WebhooksKey}: must be a YAML list of webhooks, found {root.GetValueKind()}"]);
        }

        var webhooks = new List<Webhook>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (Entry(entries[i], $"{NotificationSettings.WebhooksKey}[{i}]", errors) is { } webhook)
            {
                if (webhooks.Any(w => w.Name == webhook.Name))
                {
                    errors.Add($"{NotificationSettings.WebhooksKey}[{i}].name: '{webhook.Name}' is used by an earlier entry; names must be unique");
                    continue;
                }

                webhooks.Add(webhook);
            }
        }

        return (webhooks, errors);
    }

    private static Webhook? Entry(JsonNode? node, string at, List<string> errors)
    {
        if (node is not JsonObject entry)
        {
            errors.Add($"{at}: must be a mapping with name, format and urlKey");
            return null;
        }

        var before = errors.Count;
        foreach (var field in entry.Select(p => p.Key).Where(k => !Fields.Contains(k, StringComparer.Ordinal)))
        {
            errors.Add($"{at}.{field}: unknown field; allowed: {string.Join(", ", Fields)}");
        }

        var name = Text(entry, "name", at, errors);
        if (name is not null && !DnsLabel().IsMatch(name))
        {
            errors.Add($"{at}.name: '{name}' must be a DNS label (lowercase letters, digits and '-', at most 63)");
        }

        var formatText = Text(entry, "format", at, errors);
        WebhookFormat? format = formatText switch
        {
            null => null,
            "generic" => WebhookFormat.Generic,
            "slack" => WebhookFormat.Slack,
            _ => null,
        };
        if (formatText is not null && format is null)
        {
            errors.Add($"{at}.format: '{formatText}' is not a format; allowed: generic, slack");
        }

        var urlKey = Text(entry, "urlKey", at, errors);
        if (urlKey is not null && !SecretKey().IsMatch(urlKey))
        {
            errors.Add($"{at}.urlKey: '{urlKey}' is not a Secret data key (letters, digits, '-', '_', '.')");
        }

        var workflows = List(entry, "workflows", at, errors);
        var events = List(entry, "events", at, errors);
        foreach (var unknown in events?.Where(e => !NotificationEvents.All.Contains(e, StringComparer.Ordinal)) ?? [])
        {
            errors.Add($"{at}.events: '{unknown}' is not an event; allowed: {string.Join(", ", NotificationEvents.All)}");
        }

        return errors.Count == before ? new Webhook(name!, format!.Value, urlKey!, workflows, events) : null;
    }

    private static string? Text(JsonObject entry, string field, string at, List<string> errors)
    {
        if (entry[field] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0)
        {
            return text;
        }

        errors.Add($"{at}.{field}: required, a non-empty string");
        return null;
    }

    private static HashSet<string>? List(JsonObject entry, string field, string at, List<string> errors)
    {
        if (!entry.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonArray items && items.All(i => i is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0) && items.Count > 0)
        {
            return [.. items.Select(i => i!.GetValue<string>())];
        }

        errors.Add($"{at}.{field}: must be a non-empty list of names (leave it out to mean all)");
        return null;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[-._a-zA-Z0-9]{1,253}$")]
    private static partial Regex SecretKey();
}
