using System.Text;
using System.Text.Json.Nodes;

namespace AgentOperator.Policy.Schemas;

/// <summary>
/// Rewrites JSON Schema patterns so .NET's regex engine gives them ECMA-262 meaning (JSON Schema's dialect): <c>$</c>
/// only at the end of input (.NET also matches before a final newline, so <c>"ORD-1\n"</c> would pass
/// <c>^ORD-[0-9]+$</c>), <c>.</c> never a line terminator, <c>\d</c> and <c>\w</c> ASCII only, <c>\s</c> ECMA white space
/// and line terminators.
/// </summary>
public static class EcmaPattern
{
    private const string Space = @"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
    private const string Word = "a-zA-Z0-9_";

    // Instance data, not schemas: patterns inside them are left as they are.
    private static readonly HashSet<string> DataKeywords = new(StringComparer.Ordinal) { "const", "enum", "default", "examples" };

    /// <summary>The .NET pattern that matches what <paramref name="pattern"/> matches under ECMA-262 (without flags).</summary>
    public static string Translate(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var result = new StringBuilder(pattern.Length + 16);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                result.Append(next switch
                {
                    'd' => inClass ? "0-9" : "[0-9]",
                    'w' => inClass ? Word : $"[{Word}]",
                    's' => inClass ? Space : $"[{Space}]",
                    'D' when !inClass => "[^0-9]",
                    'W' when !inClass => $"[^{Word}]",
                    'S' when !inClass => $"[^{Space}]",
                    _ => $"\\{next}",
                });
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                result.Append(c);
                continue;
            }

            inClass = c == '[';
            result.Append(c switch
            {
                '$' => @"(?![\s\S])",
                '.' => @"[^\n\r\u2028\u2029]",
                _ => c.ToString(),
            });
        }

        return result.ToString();
    }

    /// <summary>Translates, in place, every <c>pattern</c> and <c>patternProperties</c> name of a schema and its subschemas.</summary>
    public static void TranslateSchema(JsonNode? schema)
    {
        switch (schema)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    TranslateSchema(item);
                }

                break;
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    var value = obj[name];
                    if (DataKeywords.Contains(name))
                    {
                        continue;
                    }

                    if (name == "pattern" && value is JsonValue text && text.TryGetValue<string>(out var pattern))
                    {
                        obj[name] = Translate(pattern);
                    }
                    else if (name == "patternProperties" && value is JsonObject properties)
                    {
                        var translated = new JsonObject();
                        foreach (var (key, sub) in properties.ToList())
                        {
                            properties.Remove(key);
                            TranslateSchema(sub);
                            translated[Translate(key)] = sub;
                        }

                        obj[name] = translated;
                    }
                    else
                    {
                        TranslateSchema(value);
                    }
                }

                break;
        }
    }
}
