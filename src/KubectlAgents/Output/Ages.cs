using System.Globalization;

namespace AgentOperator.KubectlAgents.Output;

/// <summary>Durations as kubectl shows ages: the two largest units (<c>45s</c>, <c>3m20s</c>, <c>2d4h</c>).</summary>
public static class Ages
{
    public static string Format(TimeSpan span)
    {
        var negative = span < TimeSpan.Zero;
        span = span.Duration();
        var text = span.TotalSeconds < 60 ? $"{(int)span.TotalSeconds}s"
            : span.TotalMinutes < 10 ? $"{(int)span.TotalMinutes}m{Part(span.Seconds, "s")}"
            : span.TotalHours < 1 ? $"{(int)span.TotalMinutes}m"
            : span.TotalHours < 8 ? $"{(int)span.TotalHours}h{Part(span.Minutes, "m")}"
            : span.TotalDays < 2 ? $"{(int)span.TotalHours}h"
            : span.TotalDays < 8 ? $"{(int)span.TotalDays}d{Part(span.Hours, "h")}"
            : $"{(int)span.TotalDays}d";
        return negative ? "-" + text : text;
    }

    /// <summary>The age of <paramref name="time"/> at <paramref name="now"/>, or <c>&lt;unknown&gt;</c>.</summary>
    public static string Since(DateTimeOffset? time, DateTimeOffset now) => time is { } t ? Format(now - t) : "<unknown>";

    private static string Part(int value, string unit) => value == 0 ? "" : value.ToString(CultureInfo.InvariantCulture) + unit;
}
