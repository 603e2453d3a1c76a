using System.Globalization;

namespace AgentOperator.DevCluster.Storage;

/// <summary>Formats ages the way k8s.io/apimachinery/pkg/util/duration.HumanDuration does ("5s", "3m20s", "2d4h").</summary>
internal static class HumanDuration
{
    public static string Format(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 60 * 2)
        {
            return F("{0}s", seconds);
        }

        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? F("{0}m", minutes) : F("{0}m{1}s", minutes, s);
        }

        if (minutes < 60 * 3)
        {
            return F("{0}m", minutes);
        }

        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? F("{0}h", hours) : F("{0}h{1}m", hours, m);
        }

        if (hours < 48)
        {
            return F("{0}h", hours);
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? F("{0}d", hours / 24) : F("{0}d{1}h", hours / 24, h);
        }

        if (hours < 24 * 365 * 2)
        {
            return F("{0}d", hours / 24);
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? F("{0}y", hours / 24 / 365) : F("{0}y{1}d", hours / 24 / 365, dy);
        }

        return F("{0}y", hours / 24 / 365);
    }

    /// <summary>The age of an RFC 3339 timestamp at <paramref name="now"/>, or "&lt;unknown&gt;".</summary>
    public static string Since(string? timestamp, DateTimeOffset now) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? Format(now - t) : "<unknown>";

    private static string F(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
