using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Gateway.Upstreams;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Gateway.Tests.Upstreams;

public sealed class ToolUpstreamClientTests : IAsyncLifetime, IDisposable
{
    private readonly string _secrets = Directory.CreateTempSubdirectory("secrets").FullName;
    private readonly string _tokens = Directory.CreateTempSubdirectory("tokens").FullName;
    private readonly HttpClient _http = new();
    private UpstreamStub _stub = null!;
    private ToolUpstreamClient _client = null!;

    public async Task InitializeAsync()
    {
        _stub = await UpstreamStub.StartAsync();
        Directory.CreateDirectory(Path.Combine(_secrets, "orders-api"));
        await File.WriteAllTextAsync(Path.Combine(_secrets, "orders-api", "token"), "s3cr3t-value\n");
        Directory.CreateDirectory(Path.Combine(_tokens, "payments.example.com"));
        await File.WriteAllTextAsync(Path.Combine(_tokens, "payments.example.com", "token"), "projected-jwt");
        _client = new ToolUpstreamClient(_http, new UpstreamCredentialFiles(_secrets, _tokens, TimeProvider.System),
            new UpstreamResilience(TimeProvider.System) { RetryDelay = TimeSpan.FromMilliseconds(1) }, NullLoggerFactory.Instance);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _stub.DisposeAsync();
    }

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_secrets, true);
        Directory.Delete(_tokens, true);
    }

    private UpstreamCall Call(string path, bool read, ToolAuth? auth = null, int timeoutSeconds = 5, string? key = null) => new(
        "orders.lookup",
        new ToolUpstream { Url = _stub.Url + path, TimeoutSeconds = timeoutSeconds, MaxAttempts = 3, IdempotencyHeader = "X-Idem" },
        auth, read, Encoding.UTF8.GetBytes("{\"order_id\":\"A-1\"}"), key);

    [Fact]
    public async Task Call_SecretAuthAndKey_SendsHeadersAndInput()
    {
        var auth = new ToolAuth { SecretRef = new SecretHeaderAuth { Name = "orders-api", Key = "token" } };

        var outcome = await _client.CallAsync(Call("/lookup", read: true, auth, key: "k-1"), CancellationToken.None);

        Assert.True(outcome.Succeeded);
        var request = Assert.Single(_stub.Requests);
        Assert.Equal("Bearer s3cr3t-value", request.Headers["Authorization"]);
        Assert.Equal("k-1", request.Headers["X-Idem"]);
        Assert.Equal("{\"order_id\":\"A-1\"}", request.Body);
        Assert.Equal("A-1", JsonNode.Parse(outcome.Result!)!["echo"]!["order_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Call_BoundTokenAuth_SendsProjectedToken()
    {
        var auth = new ToolAuth { BoundToken = new BoundTokenAuth { Audience = "payments.example.com" } };

        await _client.CallAsync(Call("/bound", read: true, auth), CancellationToken.None);

        Assert.Equal("Bearer projected-jwt", Assert.Single(_stub.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task Call_ReadFailingTransiently_IsRetriedUpToMaxAttempts()
    {
        _stub.Script("/flaky", n => new UpstreamReply(n < 3 ? 503 : 200, null));

        var outcome = await _client.CallAsync(Call("/flaky", read: true), CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal(3, outcome.Attempts);
        Assert.Equal(3, _stub.Count("/flaky"));
    }

    [Fact]
    public async Task Call_WriteFailingTransiently_IsNeverRetried()
    {
        _stub.Script("/write", _ => new UpstreamReply(503, null));

        var outcome = await _client.CallAsync(Call("/write", read: false), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal(UpstreamFailure.Rejected, outcome.Failure);
        Assert.Equal(503, outcome.UpstreamStatus);
        Assert.Equal(1, _stub.Count("/write"));
    }

    [Fact]
    public async Task Call_ClientError_IsNotRetried()
    {
        _stub.Script("/missing", _ => new UpstreamReply(404, null));

        var outcome = await _client.CallAsync(Call("/missing", read: true), CancellationToken.None);

        Assert.Equal(UpstreamFailure.Rejected, outcome.Failure);
        Assert.Equal(1, _stub.Count("/missing"));
    }

    [Fact]
    public async Task Call_SlowUpstream_TimesOut()
    {
        _stub.Script("/slow", _ => new UpstreamReply(200, null, TimeSpan.FromSeconds(5)));

        var outcome = await _client.CallAsync(Call("/slow", read: false, timeoutSeconds: 1), CancellationToken.None);

        Assert.Equal(UpstreamFailure.TimedOut, outcome.Failure);
    }

    [Fact]
    public async Task Call_RepeatedFailures_OpenTheCircuit()
    {
        _stub.Script("/down", _ => new UpstreamReply(500, null));
        for (var i = 0; i < 6; i++)
        {
            await _client.CallAsync(Call("/down", read: false), CancellationToken.None);
        }

        var before = _stub.Count("/down");
        var outcome = await _client.CallAsync(Call("/down", read: false), CancellationToken.None);

        Assert.Equal(UpstreamFailure.CircuitOpen, outcome.Failure);
        Assert.Equal(before, _stub.Count("/down"));
    }

    [Fact]
    public async Task Call_MissingCredentialFile_FailsAsAMissingCredentialWithoutReachingUpstream()
    {
        var auth = new ToolAuth { SecretRef = new SecretHeaderAuth { Name = "absent", Key = "token" } };

        var outcome = await _client.CallAsync(Call("/nocred", read: false, auth), CancellationToken.None);

        Assert.Equal(UpstreamFailure.CredentialMissing, outcome.Failure);
        Assert.Equal(0, _stub.Count("/nocred"));
    }

    [Fact]
    public async Task Call_TraversalInSecretReference_IsRefused()
    {
        var auth = new ToolAuth { SecretRef = new SecretHeaderAuth { Name = "..", Key = "token" } };

        var outcome = await _client.CallAsync(Call("/traversal", read: false, auth), CancellationToken.None);

        Assert.Equal(UpstreamFailure.CredentialMissing, outcome.Failure);
        Assert.Equal(0, _stub.Count("/traversal"));
    }
}
