using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Tools;

/// <summary>Refusals say what happened: the field and its allowed values, or the credential that is missing.</summary>
public sealed class RefusalMessageTests
{
    [Fact]
    public async Task An_unknown_action_is_422_naming_the_header_and_the_allowed_actions_without_budget()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/runs/{run}/tools/orders.lookup") { Content = new StringContent("""{"order_id":"A-1"}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Tool-Action", "-1");

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var reason = problem["reason"]!.GetValue<string>();
        Assert.Equal("action", problem["rule"]!.GetValue<string>());
        Assert.Contains("X-Tool-Action header '-1' is not an action", reason, StringComparison.Ordinal);
        Assert.Contains("read", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Action '-1'", reason, StringComparison.Ordinal);
        Assert.Empty(gateway.Upstream.Requests);
        Assert.Contains(await gateway.AuditLinesAsync(), l => l.Contains("\"status\":422", StringComparison.Ordinal) && l.Contains("\"rule\":\"action\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_model_credential_is_reported_as_missing_not_unreachable()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u) with
        {
            Models = new Dictionary<string, Policy.Bundles.BundleModel>
            {
                ["executor"] = TestBundles.SupportRefund(u).Models["executor"] with { CredentialsSecretRef = new SecretKeyRef { Name = "openai", Key = "api-key" } },
            },
        });
        var run = await gateway.StartRunAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(new { max_tokens = 10, messages = new[] { new { role = "user", content = "hi" } } }) };
        request.Headers.Add("X-Agent-Run", run);
        request.Headers.Add("X-Agent-Role", "executor");

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("model.credential", problem["rule"]!.GetValue<string>());
        Assert.Contains("missing", problem["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("could not be reached", problem["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("model.credential", problem["error"]!["code"]!.GetValue<string>());
        Assert.Empty(gateway.Upstream.Requests);
    }
}
