using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using AgentOperator.Policy.Decisions;

namespace AgentOperator.Policy.Inputs;

/// <summary>
/// The one parser of every JSON body an agent sends (tool calls, model calls, MCP, run endpoints) and of the
/// inputs <c>replay</c> reads. Besides JSON syntax and the depth limit it refuses what other readers would
/// interpret differently: a member name repeated in one object (the schema would read one copy and the upstream
/// another), invalid UTF-8, lone surrogates and numbers outside the range of a double. The first offence is reported at its JSON pointer.
/// </summary>
public static class StrictJson
{
    /// <summary>The nesting limit of agent input.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses <paramref name="utf8"/> into an element of its own; on failure <paramref name="error"/> says where and why.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> utf8, out JsonElement value, [NotNullWhen(false)] out PointerError? error)
    {
        value = default;
        error = FindOffence(utf8.Span);
        if (error is not null)
        {
            return false;
        }

        // The walk proved it well formed: this cannot throw.
        var reader = new Utf8JsonReader(utf8.Span, new JsonReaderOptions { MaxDepth = MaxDepth });
        value = JsonElement.ParseValue(ref reader);
        return true;
    }

    /// <summary>The first reason <paramref name="utf8"/> is not one strict JSON value, or null when it is.</summary>
    public static PointerError? FindOffence(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var frame = frames[^1];
                        frame.Member = null;
                        if (!TryGetText(ref reader, out var name))
                        {
                            return new PointerError(Pointer(frames), "a member name is not valid Unicode (invalid UTF-8 or a lone surrogate)");
                        }

                        frame.Member = name;
                        if (!frame.Names!.Add(name))
                        {
                            return new PointerError(Pointer(frames), $"the member '{name}' appears more than once in this object");
                        }

                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        continue;
                }

                if (frames.Count > 0 && frames[^1].Names is null)
                {
                    frames[^1].Index++;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        frames.Add(new Frame { Names = new HashSet<string>(StringComparer.Ordinal) });
                        break;
                    case JsonTokenType.StartArray:
                        frames.Add(new Frame());
                        break;
                    case JsonTokenType.String when !TryGetText(ref reader, out _):
                        return new PointerError(Pointer(frames), "the string is not valid Unicode (invalid UTF-8 or a lone surrogate)");
                    case JsonTokenType.Number when !IsBinary64(reader.ValueSpan):
                        return new PointerError(Pointer(frames), "the number is outside the range of an IEEE-754 double (RFC 8259 section 6); use a value between -1.7976931348623157e308 and 1.7976931348623157e308 that does not round to zero");
                }
            }
        }
        catch (JsonException exception)
        {
            var reason = exception.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
            return new PointerError(Pointer(frames), $"not valid JSON: {reason}");
        }

        return null;
    }

    // Readers disagree about numbers a double cannot hold (1e400 is infinity to one and an error to another, 1e-400
    // is 0 and so "an integer"), and the schema library recurses without bound on huge exponents: refuse them.
    private static bool IsBinary64(ReadOnlySpan<byte> literal)
    {
        if (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsInfinity(value))
        {
            return false;
        }

        if (value != 0)
        {
            return true;
        }

        // Zero is fine only when every digit of the mantissa is zero.
        foreach (var b in literal)
        {
            if (b is (byte)'e' or (byte)'E')
            {
                break;
            }

            if (b is >= (byte)'1' and <= (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    // Unescaped text is checked in place; escaped text is decoded, which refuses lone surrogates.
    private static bool TryGetText(ref Utf8JsonReader reader, out string text)
    {
        text = "";
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            if (!Utf8.IsValid(reader.ValueSpan))
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                return true;
            }
        }

        try
        {
            text = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Pointer(List<Frame> frames)
    {
        var pointer = new StringBuilder();
        foreach (var frame in frames)
        {
            if (frame.Names is null)
            {
                if (frame.Index > 0)
                {
                    pointer.Append('/').Append(frame.Index - 1);
                }
            }
            else if (frame.Member is { } member)
            {
                pointer.Append('/').Append(member.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
            }
        }

        return pointer.ToString();
    }

    private sealed class Frame
    {
        public HashSet<string>? Names { get; init; }

        public string? Member { get; set; }

        public int Index { get; set; }
    }
}
