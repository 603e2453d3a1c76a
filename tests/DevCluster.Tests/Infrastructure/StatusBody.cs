using System.Net;
using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>Reads an API error response and checks it is a meta/v1 Status of the expected shape.</summary>
public static class StatusBody
{
    public static async Task<JsonObject> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        var status = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("v1", (string?)status["apiVersion"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal((int)expected, (int?)status["code"]);
        return status;
    }
}
