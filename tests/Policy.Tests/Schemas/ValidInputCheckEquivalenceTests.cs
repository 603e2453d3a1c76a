using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Policy.Schemas;
using Json.Schema;

namespace AgentOperator.Policy.Tests.Schemas;

/// <summary>
/// The compiled validity check against JsonSchema.Net: whenever the check confirms an input valid, the library
/// agrees (it may leave valid inputs to the library, never confirm an invalid one), over the schemas of this
/// repository's bundles, examples and tests and the edges of each supported keyword.
/// </summary>
public class ValidInputCheckEquivalenceTests
{
    private static readonly string[] RepositorySchemas =
    [
        """{"type":"object","required":["order_id"],"properties":{"order_id":{"type":"string","pattern":"^ord_[0-9]+$"},"note":{"type":"string","maxLength":500}},"additionalProperties":false}""",
        """{"type":"object","required":["order_id","amount_usd","reason"],"properties":{"order_id":{"type":"string","pattern":"^ord_[0-9]+$"},"amount_usd":{"type":"number","minimum":0},"reason":{"type":"string","minLength":1,"maxLength":200},"currency":{"enum":["USD","EUR"]}},"additionalProperties":false}""",
        """{"type":"object","required":["query"],"properties":{"query":{"type":"string","maxLength":300}}}""",
        """{"type":"object","required":["ticket_id","status"],"properties":{"ticket_id":{"type":"string"},"status":{"enum":["open","pending","solved"]}}}""",
        """{"type":"object","required":["order_id"],"properties":{"order_id":{"type":"string","maxLength":64}},"additionalProperties":false}""",
        """{"type":"object","required":["order_id","amount_usd"],"properties":{"order_id":{"type":"string"},"amount_usd":{"type":"number","minimum":0}}}""",
        """{"type":"object","required":["order_id"],"properties":{"order_id":{"type":"string","maxLength":64},"amount_usd":{"type":"number"},"reason":{"type":"string"}}}""",
        """{"$schema":"https://json-schema.org/draft/2020-12/schema","allOf":[{"type":"object","required":["amount_usd"],"properties":{"amount_usd":{"type":"number"}}},{"properties":{"amount_usd":{"maximum":100}}}]}""",
    ];

    private static readonly string[] EdgeSchemas =
    [
        """{"type":"integer","exclusiveMaximum":50}""",
        """{"type":["string","null"],"minLength":3}""",
        """{"maxLength":3}""",
        """{"pattern":"^\\d+$"}""",
        """{"pattern":"^\\w+$"}""",
        """{"const":1}""",
        """{"enum":[1,"a",null,{"k":[1]}]}""",
        """{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2}""",
        """{"additionalProperties":{"type":"integer"}}""",
        """{"properties":{"a":false}}""",
        """{"minimum":0.1,"maximum":0.3}""",
        """{"exclusiveMinimum":0}""",
        """{"format":"email"}""",
        """{"anyOf":[{"type":"string"}]}""",
        """{"prefixItems":[{"type":"string"}]}""",
    ];

    private static readonly string[] Inputs =
    [
        "{}", "[]", "null", "true", "0", "1", "1.0", "1e2", "-1", "0.1", "0.3", "0.30000000000000004", "49.99999999999999999999", "50", "1e400",
        "\"\"", "\"ab\"", "\"abc\"", "\"abcd\"", "\"😀😀😀\"", "\"e\\u0301e\\u0301e\"", "\"a\\\"b\"", "\"٣\"", "\"123\"", "\"é\"", "\"a\\nb\"",
        "[\"a\"]", "[\"a\",\"b\",\"c\"]", "[1]",
        """{"order_id":"ord_12345"}""",
        """{"order_id":"ord_12345","note":"hi"}""",
        """{"order_id":"ord_12345","extra":1}""",
        """{"order_id":"A-12345"}""",
        """{"order_id":42}""",
        """{"order_id":"ord_1","order_id":42}""",
        """{"order_id":"ord_12345","amount_usd":42.5,"reason":"Refund: damaged","currency":"USD"}""",
        """{"order_id":"ord_12345","amount_usd":-1,"reason":"x"}""",
        """{"order_id":"ord_12345","amount_usd":"42","reason":"x"}""",
        """{"order_id":"ord_12345","amount_usd":42,"reason":""}""",
        """{"order_id":"ord_12345","amount_usd":42,"reason":"é"}""",
        """{"order_id":"ord_12345","amount_usd":42,"reason":"x","currency":"GBP"}""",
        """{"query":"refund policy"}""",
        """{"ticket_id":"T-1","status":"open"}""",
        """{"ticket_id":"T-1","status":"closed"}""",
        """{"amount_usd":100}""",
        """{"amount_usd":100.5}""",
        """{"a":1}""",
        """{"b":1.5}""",
        """{"k":[1]}""",
    ];

    [Fact]
    public void A_confirmed_input_is_valid_for_JsonSchema_Net_for_every_schema_and_input()
    {
        var wrong = new List<string>();
        foreach (var (text, compiled, library) in Schemas())
        {
            foreach (var input in Inputs.Select(i => JsonDocument.Parse(i).RootElement))
            {
                var valid = LibraryAccepts(library, input);
                if (compiled.IsConfirmedValid(input) && valid != true)
                {
                    wrong.Add($"{text} confirmed {input.GetRawText()}, which JsonSchema.Net does not accept");
                }

                if (valid is { } expected && expected != (compiled.Validate(input).Count == 0))
                {
                    wrong.Add($"{text} on {input.GetRawText()}: Validate disagrees with JsonSchema.Net");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void The_repository_schemas_are_compiled_and_confirm_their_valid_inputs()
    {
        var (confirmed, valid) = (0, 0);
        foreach (var text in RepositorySchemas)
        {
            var compiled = Build(text);
            Assert.True(compiled.IsCompiled, compiled.NotCompiledBecause);
            foreach (var input in Inputs.Select(i => JsonDocument.Parse(i).RootElement).Where(i => !RepeatsAKey(i) && compiled.Validate(i).Count == 0))
            {
                valid++;
                confirmed += compiled.IsConfirmedValid(input) ? 1 : 0;
            }
        }

        // Inputs repeating a key are left to the library (it reads one copy; the check would need every copy valid).
        Assert.True(confirmed == valid, $"{confirmed} of {valid} valid inputs confirmed");
    }

    [Theory]
    [InlineData("""{"format":"email"}""", "the keyword 'format'")]
    [InlineData("""{"anyOf":[{"type":"string"}]}""", "the keyword 'anyOf'")]
    [InlineData("""{"prefixItems":[{"type":"string"}]}""", "the keyword 'prefixItems'")]
    public void Schemas_with_other_keywords_are_left_to_the_library(string schema, string keyword)
    {
        var compiled = Build(schema);

        Assert.False(compiled.IsCompiled);
        Assert.Equal(keyword, compiled.NotCompiledBecause);
    }

    /// <summary>The library's verdict, or null when it throws (it does for a const compared with 1e400).</summary>
    private static bool? LibraryAccepts(JsonSchema library, JsonElement input)
    {
        try
        {
            return library.Evaluate(input, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool RepeatsAKey(JsonElement input) =>
        input.ValueKind == JsonValueKind.Object && input.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).Any(g => g.Count() > 1);

    private static IEnumerable<(string Text, ToolInputSchema Compiled, JsonSchema Library)> Schemas() =>
        RepositorySchemas.Concat(EdgeSchemas).Select(text => (text, Build(text), JsonSchema.Build(JsonDocument.Parse(text).RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() })));

    private static ToolInputSchema Build(string schema)
    {
        Assert.True(ToolInputSchema.TryBuild(JsonNode.Parse(schema)!.AsObject(), out var built, out var error), error);
        return built;
    }
}
