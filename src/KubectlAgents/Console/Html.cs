using System.Globalization;
using System.Net;
using System.Text;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// The console's page frame and encoding. Every value that came from the cluster or the collector goes through
/// <see cref="E"/>; pages are built from these strings only, so nothing reaches the browser unencoded.
/// </summary>
public static class Html
{
    /// <summary>HTML-encodes text for element content and quoted attribute values.</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A URL path segment, encoded for the path and then for the attribute.</summary>
    public static string Segment(string text) => E(Uri.EscapeDataString(text));

    public static string Time(DateTimeOffset? time) => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>The hidden field every state-changing form carries (<see cref="ConsoleGuard"/> checks it).</summary>
    public static string CsrfField(string token) => $"<input type=\"hidden\" name=\"{ConsoleGuard.CsrfField}\" value=\"{E(token)}\">";

    /// <summary>A whole page: skip link, navigation (the current page marked for screen readers), main landmark.</summary>
    public static string Page(string title, string active, string body)
    {
        var nav = new StringBuilder();
        foreach (var (href, label) in Sections)
        {
            nav.Append(CultureInfo.InvariantCulture, $"<li><a href=\"{href}\"{(href == active ? " aria-current=\"page\"" : "")}>{label}</a></li>");
        }

        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)} · AgentOperator console</title>
            <link rel="stylesheet" href="/console.css">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header><span class="brand">AgentOperator</span><nav aria-label="Console sections"><ul>{nav}</ul></nav></header>
            <main id="main" tabindex="-1">
            <h1>{E(title)}</h1>
            {body}
            </main>
            </body>
            </html>
            """;
    }

    /// <summary>A result or refusal shown in place of a page: a live region, so screen readers announce it.</summary>
    public static string Notice(string message, bool error) =>
        $"<p class=\"notice {(error ? "error" : "ok")}\" role=\"{(error ? "alert" : "status")}\">{E(message)}</p>";

    private static readonly (string Href, string Label)[] Sections =
    [
        ("/", "Workflows"),
        ("/approvals", "Approvals"),
        ("/runs", "Runs"),
        ("/audit", "Audit"),
    ];

    /// <summary>Served at <c>/console.css</c>: a stylesheet of our own, so the CSP can forbid inline styles and scripts.</summary>
    public const string Stylesheet = """
        :root { color-scheme: light; font-family: system-ui, sans-serif; color: #1b1f24; background: #fff; }
        body { margin: 0; }
        header { display: flex; gap: 2rem; align-items: center; padding: .5rem 1.5rem; background: #0b3d62; color: #fff; }
        header a { color: #fff; }
        .brand { font-weight: 700; }
        nav ul { display: flex; gap: 1.25rem; list-style: none; margin: 0; padding: 0; }
        nav a[aria-current=page] { font-weight: 700; text-decoration-thickness: 3px; }
        main { padding: 1rem 1.5rem 3rem; max-width: 78rem; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: .5rem; background: #fff; color: #000; padding: .25rem .5rem; z-index: 1; }
        a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
        table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
        th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; }
        code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
        pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
        .notice { padding: .5rem .75rem; border-radius: 4px; }
        .notice.ok { background: #dafbe1; }
        .notice.error { background: #ffebe9; }
        .packet { border: 1px solid #d0d7de; border-radius: 6px; padding: .75rem 1rem; margin: 0 0 1.5rem; }
        .packet dl, dl.packet { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        dd { margin: 0; }
        .packet dt { font-weight: 600; }
        .actions { display: flex; gap: 1rem; align-items: end; flex-wrap: wrap; }
        label { display: block; font-weight: 600; margin-bottom: .2rem; }
        input[type=text] { padding: .3rem; min-width: 18rem; }
        button { padding: .4rem 1rem; font-size: 1rem; cursor: pointer; border-radius: 4px; border: 1px solid #1b1f24; background: #f6f8fa; }
        button.approve { background: #1a7f37; color: #fff; border-color: #1a7f37; }
        button.deny, button.danger { background: #cf222e; color: #fff; border-color: #cf222e; }
        .ok-text { color: #1a7f37; } .bad-text { color: #cf222e; }
        svg text { font-family: system-ui, sans-serif; }
        """;
}
