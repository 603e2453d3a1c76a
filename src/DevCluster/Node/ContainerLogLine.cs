using System.Globalization;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One line of a container log in the CRI format the kubelet's runtimes write (<c>2026-01-02T03:04:05.123456789Z stdout F text</c>).
/// </summary>
internal sealed record ContainerLogLine(DateTimeOffset Time, string Stream, string Text)
{
    public string Format() => $"{Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)} {Stream} F {Text}";

    public static ContainerLogLine? Parse(string line)
    {
        var parts = line.Split(' ', 4);
        return parts.Length == 4 && DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? new ContainerLogLine(time, parts[1], parts[3])
            : null;
    }

    /// <summary>The line as <c>kubectl logs</c> prints it: the text, after the RFC 3339 timestamp when asked.</summary>
    public string Render(bool timestamps) =>
        timestamps ? $"{Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)} {Text}\n" : Text + "\n";
}
