using System.Net.Http.Headers;
using System.Text.Json;
using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// The gateway's client of the audit collector (<see cref="AuditCollectorApi"/>): every call carries the pod's projected
/// token for <see cref="AuditCollectorApi.Audience"/>, re-read from its file once a minute as the kubelet rotates it.
/// Any answer but an acknowledgement throws <see cref="AuditStoreUnavailableException"/> naming the store and its reason.
/// </summary>
public sealed class AuditCollectorClient(HttpClient http, Uri address, string tokenPath, TimeProvider timeProvider)
{
    private static readonly TimeSpan TokenRefresh = TimeSpan.FromMinutes(1);
    private string? _token;
    private DateTimeOffset _tokenReadAt;

    /// <summary>The collector's base address.</summary>
    public Uri Address { get; } = address;

    /// <summary>How far the store holds this pod's chain.</summary>
    public Task<AuditAcknowledgement> DurableAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, AuditCollectorApi.HeadPath, null, cancellationToken);

    /// <summary>Ships a batch; returns once the collector has fsynced it.</summary>
    public Task<AuditAcknowledgement> ShipAsync(AuditBatch batch, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, AuditCollectorApi.BatchesPath, JsonContent.Create(batch, options: AuditChain.SerializerOptions), cancellationToken);

    /// <summary>Reports the pod's chain head.</summary>
    public Task<AuditAcknowledgement> ReportHeadAsync(AuditHead head, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, AuditCollectorApi.HeadPath, JsonContent.Create(head, options: AuditChain.SerializerOptions), cancellationToken);

    private async Task<AuditAcknowledgement> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(Address, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(cancellationToken));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new AuditStoreUnavailableException($"the audit store at {Address} cannot be reached: {exception.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AuditStoreUnavailableException($"the audit store at {Address} did not answer in time");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new AuditStoreUnavailableException($"the audit store at {Address} refused with {(int)response.StatusCode}: {Detail(body)}");
            }

            try
            {
                return JsonSerializer.Deserialize<AuditAcknowledgement>(body, AuditChain.SerializerOptions)
                    ?? throw new AuditStoreUnavailableException($"the audit store at {Address} answered without an acknowledgement");
            }
            catch (JsonException)
            {
                throw new AuditStoreUnavailableException($"the audit store at {Address} answered something that is not an acknowledgement");
            }
        }
    }

    private async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_token is null || now - _tokenReadAt >= TokenRefresh)
        {
            try
            {
                _token = (await File.ReadAllTextAsync(tokenPath, cancellationToken)).Trim();
                _tokenReadAt = now;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new AuditStoreUnavailableException($"the token for the audit store ({tokenPath}) cannot be read: {exception.Message}");
            }
        }

        return _token;
    }

    private static string Detail(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { } text ? text : body;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
