using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The check of robfig/cron/v3's <c>ParseStandard</c> (what kube-apiserver validates a CronJob's schedule with):
/// five fields (minute, hour, day of month, month, day of week) of <c>*</c>/<c>?</c>, numbers, names, ranges,
/// lists and steps, or a descriptor (<c>@hourly</c>, <c>@every 1h</c>, …). Returns its error text, or null when valid.
/// </summary>
internal static partial class CronSchedule
{
    private static readonly (int Min, int Max, string[]? Names)[] Bounds =
    [
        (0, 59, null),
        (0, 23, null),
        (1, 31, null),
        (1, 12, ["", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        (0, 6, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ];

    private static readonly HashSet<string> Descriptors = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

    public static string? Error(string spec)
    {
        if (spec.Length == 0)
        {
            return "empty spec string";
        }

        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ', StringComparison.Ordinal);
            spec = space < 0 ? "" : spec[(space + 1)..].Trim();
        }

        if (spec.StartsWith('@'))
        {
            if (Descriptors.Contains(spec))
            {
                return null;
            }

            return spec.StartsWith("@every ", StringComparison.Ordinal)
                ? GoDuration().IsMatch(spec["@every ".Length..]) ? null : $"failed to parse duration {spec}: time: invalid duration \"{spec["@every ".Length..]}\""
                : $"unrecognized descriptor: {spec}";
        }

        var fields = spec.Split([' ', '\t', '\n', '\r', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return $"expected exactly 5 fields, found {fields.Length}: [{string.Join(' ', fields)}]";
        }

        for (var i = 0; i < fields.Length; i++)
        {
            foreach (var expr in fields[i].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Range(expr, Bounds[i]) is { } error)
                {
                    return error;
                }
            }
        }

        return null;
    }

    /// <summary>getRange: <c>number | number "-" number [ "/" number ]</c>, or <c>*</c>/<c>?</c> with an optional step.</summary>
    private static string? Range(string expr, (int Min, int Max, string[]? Names) r)
    {
        var rangeAndStep = expr.Split('/');
        var lowAndHigh = rangeAndStep[0].Split('-');
        int start, end;
        if (lowAndHigh[0] is "*" or "?")
        {
            (start, end) = (r.Min, r.Max);
        }
        else
        {
            if (Number(lowAndHigh[0], r.Names, out start) is { } e1)
            {
                return e1;
            }

            switch (lowAndHigh.Length)
            {
                case 1:
                    end = start;
                    break;
                case 2:
                    if (Number(lowAndHigh[1], r.Names, out end) is { } e2)
                    {
                        return e2;
                    }

                    break;
                default:
                    return $"too many hyphens: {expr}";
            }
        }

        switch (rangeAndStep.Length)
        {
            case 1:
                break;
            case 2:
                if (Number(rangeAndStep[1], null, out var step) is { } e3)
                {
                    return e3;
                }

                if (lowAndHigh.Length == 1)
                {
                    end = r.Max; // "N/step" means "N-max/step"
                }

                if (step == 0)
                {
                    return $"step of range should be a positive number: {expr}";
                }

                break;
            default:
                return $"too many slashes: {expr}";
        }

        if (start < r.Min)
        {
            return $"beginning of range ({start}) below minimum ({r.Min}): {expr}";
        }

        if (end > r.Max)
        {
            return $"end of range ({end}) above maximum ({r.Max}): {expr}";
        }

        return start > end ? $"beginning of range ({start}) beyond end of range ({end}): {expr}" : null;
    }

    private static string? Number(string text, string[]? names, out int value)
    {
        var named = names is null ? -1 : Array.IndexOf(names, text.ToLowerInvariant());
        if (named >= 0 && text.Length > 0)
        {
            value = named;
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return $"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax";
        }

        return value < 0 ? $"negative number ({value}) not allowed: {text}" : null;
    }

    /// <summary>What Go's time.ParseDuration accepts.</summary>
    [GeneratedRegex(@"^([-+]?0|[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")]
    private static partial Regex GoDuration();
}
