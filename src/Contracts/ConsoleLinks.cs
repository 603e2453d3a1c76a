using System.Globalization;

namespace AgentOperator.Contracts;

/// <summary>
/// Links into the web console of <c>kubectl agents console</c>, which serves on 127.0.0.1 with the user's own
/// kubeconfig: a notification can only point at where the reader's console would listen, so the base is configurable
/// (the operator's <c>--console-url</c>) and defaults to the console's default address.
/// </summary>
public static class ConsoleLinks
{
    /// <summary>The console's default port.</summary>
    public const int DefaultPort = 3110;

    /// <summary>The console's default address, <c>http://127.0.0.1:3110</c>.</summary>
    public static Uri DefaultBase { get; } = new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{DefaultPort}"));

    /// <summary>The approvals inbox, where the approval's action packet is shown with approve and deny.</summary>
    public static Uri Approval(Uri consoleBase, string name) =>
        Combine(consoleBase, $"approvals#approval-{Uri.EscapeDataString(name)}");

    /// <summary>The page of one AgentWorkflow (rollout timeline, runs, kill switch).</summary>
    public static Uri Workflow(Uri consoleBase, string @namespace, string name) =>
        Combine(consoleBase, $"workflows/{Uri.EscapeDataString(@namespace)}/{Uri.EscapeDataString(name)}");

    private static Uri Combine(Uri consoleBase, string path)
    {
        ArgumentNullException.ThrowIfNull(consoleBase);
        var text = consoleBase.ToString();
        return new Uri(text.EndsWith('/') ? text + path : text + "/" + path);
    }
}
