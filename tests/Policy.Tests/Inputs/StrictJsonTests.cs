using System.Text;
using AgentOperator.Policy.Inputs;

namespace AgentOperator.Policy.Tests.Inputs;

public class StrictJsonTests
{
    [Theory]
    [InlineData("""{"ticket_id":"T-1","ticket_id":"../../admin"}""", "/ticket_id", "more than once")]
    [InlineData("""{"a":{"b":1,"b":2}}""", "/a/b", "more than once")]
    [InlineData("""{"list":[{"x":1},{"x":1,"x":2}]}""", "/list/1/x", "more than once")]
    [InlineData("""{"a":"\ud800"}""", "/a", "lone surrogate")]
    [InlineData("""{"a":["ok","\udc00x"]}""", "/a/1", "lone surrogate")]
    [InlineData("""{"\ud800":1}""", "", "lone surrogate")]
    [InlineData("""{"a":1,}""", "/a", "not valid JSON")]
    [InlineData("""{"a":1} {}""", "", "not valid JSON")]
    [InlineData("", "", "not valid JSON")]
    public void Refuses_what_readers_would_interpret_differently_at_its_pointer(string json, string at, string reason)
    {
        Assert.False(StrictJson.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));

        Assert.Equal(at, error!.Pointer);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_invalid_utf8_in_a_string()
    {
        byte[] json = [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.False(StrictJson.TryParse(json, out _, out var error));

        Assert.Equal("/a", error!.Pointer);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_nesting_beyond_the_depth_limit()
    {
        var json = new string('[', StrictJson.MaxDepth + 1) + new string(']', StrictJson.MaxDepth + 1);

        Assert.False(StrictJson.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));

        Assert.Contains("depth", error!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}],"d":"\ud83d\ude00 é"}""")]
    [InlineData("""[1,"two",null]""")]
    public void Accepts_the_same_name_in_different_objects_and_valid_pairs(string json)
    {
        Assert.True(StrictJson.TryParse(Encoding.UTF8.GetBytes(json), out var value, out var error), error?.Message);

        Assert.Equal(json.Replace(" ", "", StringComparison.Ordinal), value.GetRawText().Replace(" ", "", StringComparison.Ordinal));
    }
}
