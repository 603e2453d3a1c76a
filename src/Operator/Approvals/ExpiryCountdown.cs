using System.Globalization;

namespace AgentOperator.Operator.Approvals;

/// <summary>
/// The time left on a pending approval as people read it ("1h5m", "14m", "90s"), always rounded down so it never
/// promises more time than there is, and when that text next changes, so the operator rewrites it only then: minutes
/// from 2 minutes up, 10-second steps below.
/// </summary>
internal static class ExpiryCountdown
{
    private static readonly TimeSpan Fine = TimeSpan.FromMinutes(2);

    /// <summary>The text for <paramref name="left"/>; "0s" once nothing is left.</summary>
    public static string Text(TimeSpan left)
    {
        var shown = Floor(left);
        return shown >= TimeSpan.FromHours(1) ? string.Create(CultureInfo.InvariantCulture, $"{(int)shown.TotalHours}h{shown.Minutes}m")
            : shown >= Fine ? string.Create(CultureInfo.InvariantCulture, $"{(int)shown.TotalMinutes}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)shown.TotalSeconds}s");
    }

    /// <summary>How long until <see cref="Text"/> changes for a countdown now at <paramref name="left"/> (at least 1 ms).</summary>
    public static TimeSpan NextChangeIn(TimeSpan left)
    {
        var change = left - Floor(left);
        // Exactly on a step: the text changes as soon as any time passes.
        return change > TimeSpan.Zero ? change : TimeSpan.FromMilliseconds(1);
    }

    private static TimeSpan Floor(TimeSpan left)
    {
        if (left <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var step = left >= Fine ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(10);
        return TimeSpan.FromTicks(left.Ticks - (left.Ticks % step.Ticks));
    }
}
