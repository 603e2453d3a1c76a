using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;

namespace AgentOperator.Operator.Notifications;

/// <summary>
/// The bodies webhooks receive. Both carry the same facts: the event, the workflow, a one-line summary, the event's
/// facts, for approvals the redacted input (exactly <c>spec.input</c>, which the gateway redacted) and the commands and
/// console link that decide it, for workflow events the status command and the workflow's console page. Never a URL,
/// token or Secret value: the notifier only holds the webhook URL, and it is not part of any body.
/// </summary>
internal static class NotificationPayloads
{
    public const string Schema = "agentoperator.io/notification/v1";

    /// <summary>Longest redacted input shown in a Slack message; the generic body carries it whole.</summary>
    private const int SlackInputLimit = 1500;

    public static string Render(WebhookFormat format, Notification notification, Uri consoleBase) => format switch
    {
        WebhookFormat.Slack => Slack(notification, consoleBase).ToJsonString(),
        _ => Generic(notification, consoleBase).ToJsonString(),
    };

    /// <summary>The generic JSON document (schema <see cref="Schema"/>).</summary>
    public static JsonObject Generic(Notification notification, Uri consoleBase)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var facts = new JsonObject();
        foreach (var (key, value) in notification.Facts)
        {
            facts[key] = value;
        }

        var body = new JsonObject
        {
            ["schema"] = Schema,
            ["event"] = notification.Event,
            ["severity"] = notification.Warning ? "warning" : "info",
            ["namespace"] = notification.Namespace,
            ["workflow"] = notification.Workflow,
            ["title"] = notification.Title,
            ["summary"] = notification.Summary,
            ["time"] = notification.ObservedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["facts"] = facts,
        };
        if (notification.Approval is { } approval)
        {
            body["approval"] = new JsonObject
            {
                ["name"] = approval.Metadata.Name,
                ["reason"] = approval.Spec.Reason,
                ["input"] = approval.Spec.Input?.DeepClone(),
                ["inputSha256"] = approval.Spec.InputSha256,
            };
        }

        var actions = new JsonObject { ["console"] = ConsoleLink(notification, consoleBase).ToString() };
        foreach (var (label, command) in Commands(notification))
        {
            actions[label] = command;
        }

        body["actions"] = actions;
        return body;
    }

    /// <summary>A Slack incoming-webhook message: <c>text</c> for notifications and clients without blocks, <c>blocks</c> for the rest.</summary>
    public static JsonObject Slack(Notification notification, Uri consoleBase)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var icon = notification.Warning ? ":warning:" : ":information_source:";
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = PlainText(Truncate(notification.Title, 150)) },
            new JsonObject { ["type"] = "section", ["text"] = Markdown($"{icon} {Escape(notification.Summary)}") },
        };
        var fields = new JsonArray();
        foreach (var (key, value) in notification.Facts.Where(f => f.Value.Length > 0).Take(10))
        {
            fields.Add(Markdown($"*{Escape(key)}*\n{Escape(Truncate(value, 300))}"));
        }

        fields.Insert(0, Markdown($"*workflow*\n{Escape(notification.Namespace)}/{Escape(notification.Workflow)}"));
        blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = new JsonArray([.. fields.Take(10).Select(f => f!.DeepClone())]) });
        if (notification.Approval?.Spec.Input is { } input)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "section",
                ["text"] = Markdown($"*input (redacted)*\n```{Escape(Truncate(input.ToJsonString(), SlackInputLimit))}```"),
            });
        }

        var commands = Commands(notification).Select(c => $"`{Escape(c.Command)}`").ToList();
        if (commands.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = Markdown(string.Join('\n', commands)) });
        }

        var link = ConsoleLink(notification, consoleBase).ToString();
        blocks.Add(new JsonObject
        {
            ["type"] = "actions",
            ["elements"] = new JsonArray(new JsonObject
            {
                ["type"] = "button",
                ["text"] = PlainText(notification.Approval is null ? "Open in console" : "Decide in console"),
                ["url"] = link,
            }),
        });
        blocks.Add(new JsonObject
        {
            ["type"] = "context",
            ["elements"] = new JsonArray(Markdown($"{Escape(notification.Event)} · `kubectl agents console` serves the link on your machine")),
        });
        return new JsonObject
        {
            ["text"] = $"{icon} {Escape(notification.Summary)}",
            ["blocks"] = blocks,
        };
    }

    /// <summary>The console page that shows what the notification is about.</summary>
    public static Uri ConsoleLink(Notification notification, Uri consoleBase) =>
        notification.Approval is { } approval
            ? ConsoleLinks.Approval(consoleBase, approval.Metadata.Name)
            : ConsoleLinks.Workflow(consoleBase, notification.Namespace, notification.Workflow);

    /// <summary>The commands that act on it: approve and deny for a pending approval, else the workflow's status.</summary>
    public static IEnumerable<(string Label, string Command)> Commands(Notification notification)
    {
        var ns = notification.Namespace;
        if (notification.Event == NotificationEvents.ApprovalRequested && notification.Approval is { } approval)
        {
            yield return ("approve", $"kubectl agents approve {approval.Metadata.Name} -n {ns}");
            yield return ("deny", $"kubectl agents deny {approval.Metadata.Name} -n {ns} --comment \"why\"");
        }
        else if (notification.Event == NotificationEvents.KillSwitchEngaged)
        {
            yield return ("status", $"kubectl agents status {notification.Workflow} -n {ns}");
            yield return ("release", $"kubectl agents unkill {notification.Workflow} -n {ns}");
        }
        else
        {
            yield return ("status", $"kubectl agents status {notification.Workflow} -n {ns}");
        }
    }

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text };

    private static JsonObject Markdown(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    /// <summary>Slack's three control characters; everything else is literal text.</summary>
    private static string Escape(string text) =>
        new StringBuilder(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").ToString();

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
