using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.KubectlAgents.Cli;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// The audit collector's runs and audit API (<see cref="AuditCollectorApi"/>), called with the kubeconfig's own bearer
/// token: the collector checks with a SubjectAccessReview that this user may <c>get</c> the workflow. A refusal or an
/// unreachable collector becomes a <see cref="CommandFailureException"/> with the collector's reason.
/// </summary>
public sealed class CollectorClient(HttpClient http, Uri collector, string? token)
{
    public Uri Address => collector;

    /// <summary>The workflow's runs since <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListRunsAsync(string @namespace, string workflow, DateTimeOffset since, CancellationToken ct)
    {
        var path = $"{AuditCollectorApi.RunsPath(@namespace, workflow)}?since={Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))}";
        var list = await GetAsync<RunList>(path, ct);
        return list?.Items ?? [];
    }

    /// <summary>One run with its decisions, or null when the collector has none by that id.</summary>
    public Task<RunRecord?> GetRunAsync(string @namespace, string workflow, string runId, CancellationToken ct) =>
        GetAsync<RunRecord>(AuditCollectorApi.RunPath(@namespace, workflow, runId), ct, notFoundIsNull: true);

    /// <summary>Verifies every chain of the workflow against the collector's signed checkpoints, as <c>verify --collector</c> does.</summary>
    public async Task<IReadOnlyList<AuditChainReport>> VerifyAsync(string @namespace, string workflow, TimeProvider time, CancellationToken ct) =>
        [.. (await VerifyChainsAsync(@namespace, workflow, null, time, ct)).Select(v => v.Report!)];

    /// <summary>
    /// Verifies, each from its first stored record, every chain of the workflow that holds records since <paramref name="since"/>
    /// (all with null); a chain whose last signed checkpoint is older and that has nothing unanchored is listed unverified.
    /// </summary>
    public async Task<IReadOnlyList<ChainVerification>> VerifyChainsAsync(string @namespace, string workflow, DateTimeOffset? since, TimeProvider time, CancellationToken ct)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(await http.GetStringAsync(new Uri(collector, AuditCollectorApi.PublicKeyPath), ct));
            List<ChainVerification> results = [];
            foreach (var listing in await CollectorChainSource.ListAsync(http, collector, token, @namespace, workflow, ct))
            {
                results.Add(since is { } from && !ChainVerification.WrittenSince(listing, from)
                    ? new ChainVerification(listing, null)
                    : new ChainVerification(listing, await AuditChainVerifier.VerifyAsync(new CollectorChainSource(http, collector, token, @namespace, workflow, listing), key, time, ct)));
            }

            return results;
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or CryptographicException or ArgumentException)
        {
            throw new CommandFailureException($"error: audit verification through {collector} failed: {e.Message}");
        }
    }

    private async Task<T?> GetAsync<T>(string path, CancellationToken ct, bool notFoundIsNull = false)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(collector, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailureException($"error: cannot reach the audit collector at {collector} ({e.Message})");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (notFoundIsNull && response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CommandFailureException($"error: the audit collector refused {path.Split('?')[0]} ({(int)response.StatusCode}): {Detail(body)}"
                    + (token is null ? " — your kubeconfig has no bearer token, which the collector needs" : ""));
            }

            return JsonSerializer.Deserialize<T>(body, AuditChain.SerializerOptions);
        }
    }

    private static string Detail(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()! : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
