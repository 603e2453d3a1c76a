using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Policy.Schemas;

namespace AgentOperator.Policy.Tests.Schemas;

/// <summary>Schema patterns mean what ECMA-262 says (cases after the JSON Schema test suite's optional/ecmascript-regex.json).</summary>
public class EcmaPatternTests
{
    public static TheoryData<string, string, bool> Cases() => new()
    {
        { "^ORD-[0-9]{6,12}$", "ORD-20931177\n", false },
        { "^ORD-[0-9]{6,12}$", "ORD-20931177", true },
        { "^abc$", "abc\n", false },
        { "^abc$", "abc", true },
        { "^\\t$", "\t", true },
        { "^\\d$", "0", true },
        { "^\\d$", "\u07c0", false },
        { "^\\D$", "\u07c0", true },
        { "^\\d+$", "\u09ea\u09e8", false },
        { "^[\\d]+$", "\u09ea\u09e8", false },
        { "^\\w$", "a", true },
        { "^\\w$", "é", false },
        { "^\\W$", "é", true },
        { "[a-z]cole", "l'école", false },
        { "\\wcole", "l'ecole", true },
        { "\\wcole", "l'école", false },
        { "^\\s$", "\u000b", true },
        { "^\\s$", "\u00a0", true },
        { "^\\s$", "\ufeff", true },
        { "^\\s$", "\u2029", true },
        { "^\\s$", "\u2003", true },
        { "^\\s$", "\u0001", false },
        { "^\\s$", "\u2013", false },
        { "^\\S$", "\u00a0", false },
        { "^\\S$", "\u2013", true },
        { "^a.c$", "a\nc", false },
        { "^a.c$", "a\u2028c", false },
        { "^a.c$", "a\rc", false },
        { "^a.c$", "abc", true },
        { "^[$.]+$", "$.", true },
        { "^\\$\\.$", "$.", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_pattern_matches_as_under_ECMA_262(string pattern, string data, bool valid)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["id"] = new JsonObject { ["type"] = "string", ["pattern"] = pattern } } };
        Assert.True(ToolInputSchema.TryBuild(schema, out var built, out var error), error);
        var input = JsonSerializer.SerializeToElement(new { id = data });

        Assert.Equal(valid, built.Validate(input).Count == 0);
        Assert.Equal(valid, built.IsConfirmedValid(input) || (!built.IsCompiled && valid));
    }

    [Fact]
    public void Pattern_properties_names_and_nested_patterns_are_translated_but_data_is_not()
    {
        var schema = JsonNode.Parse("""
            {"patternProperties":{"^x$":{"pattern":"^a$"}},"additionalProperties":false,"properties":{"k":{"const":{"pattern":"^a$"}}}}
            """)!;

        EcmaPattern.TranslateSchema(schema);

        Assert.Equal("""{"patternProperties":{"^x(?![\\s\\S])":{"pattern":"^a(?![\\s\\S])"}},"additionalProperties":false,"properties":{"k":{"const":{"pattern":"^a$"}}}}""", schema.ToJsonString());
    }
}
