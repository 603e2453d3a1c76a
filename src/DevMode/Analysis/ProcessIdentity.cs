using System.Globalization;

namespace AgentOperator.DevMode.Analysis;

/// <summary>
/// A process as Linux names it for good: its pid and its start time in clock ticks since boot (field 22 of
/// <c>/proc/&lt;pid&gt;/stat</c>). A pid alone is reused; the pair is not.
/// </summary>
internal readonly record struct ProcessIdentity(int Pid, long StartTicks)
{
    /// <summary>This process.</summary>
    public static ProcessIdentity Current => Of(Environment.ProcessId) ?? throw new NotSupportedException("/proc/self/stat is unreadable: Linux only");

    /// <summary>Whether the process so named is still running (a zombie counts as gone).</summary>
    public bool IsAlive => Of(Pid) is { } now && now == this;

    /// <summary>The running process with <paramref name="pid"/>; null when there is none.</summary>
    public static ProcessIdentity? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces or ')': count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] == "Z" || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? null
            : new ProcessIdentity(pid, start);
    }

    /// <summary>"pid starttime", as <see cref="TryParse"/> reads it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid} {StartTicks}");

    public static bool TryParse(string text, out ProcessIdentity identity)
    {
        var parts = text.Trim().Split(' ');
        identity = default;
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return false;
        }

        identity = new ProcessIdentity(pid, start);
        return true;
    }
}
