using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Policy.Schemas;

namespace AgentOperator.Policy.Tests.Schemas;

public class ToolInputSchemaTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"amount_usd":{"enum":[10, 20.5]}}}""", """{"amount_usd":1e400}""")]
    [InlineData("""{"type":"object","properties":{"amount_usd":{"enum":[10, 20.5]}}}""", """{"amount_usd":-1e400}""")]
    [InlineData("""{"type":"object","properties":{"amount_usd":{"type":"number","const":0}}}""", """{"amount_usd":1e400}""")]
    [InlineData("""{"type":"object","properties":{"amount_usd":{"const":1}}}""", """{"amount_usd":1e30}""")]
    public void A_number_beyond_what_the_library_compares_is_an_error_at_its_pointer_not_an_exception(string schema, string input)
    {
        Assert.True(ToolInputSchema.TryBuild(JsonNode.Parse(schema)!.AsObject(), out var built, out var error), error);

        var errors = built.Validate(JsonDocument.Parse(input).RootElement);

        var only = Assert.Single(errors);
        Assert.Equal("/amount_usd", only.Pointer);
        Assert.Contains("beyond", only.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_beyond_the_library_are_pointed_at_wherever_they_are_with_escaped_pointers()
    {
        Assert.True(ToolInputSchema.TryBuild(JsonNode.Parse("""{"items":{"const":1},"properties":{"a/b~":{"const":1}}}""")!.AsObject(), out var built, out var error), error);

        var errors = built.Validate(JsonDocument.Parse("""{"a/b~":1e400,"ok":2,"list":[1,-1e999]}""").RootElement);

        Assert.Equal(["/a~1b~0", "/list/1"], errors.Select(e => e.Pointer));
    }
}
