using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace AgentOperator.Contracts;

/// <summary>A chain as the collector serves it (<see cref="AuditCollectorApi.ChainFilePath"/>), read with the caller's own token.</summary>
public sealed class CollectorChainSource(HttpClient http, Uri collector, string? token, string @namespace, string workflow, AuditChainListing listing) : IAuditChainSource
{
    /// <inheritdoc />
    public string Chain => listing.Chain;

    /// <summary>The chains of a workflow; throws <see cref="InvalidOperationException"/> with the collector's reason when it refuses.</summary>
    public static async Task<IReadOnlyList<AuditChainListing>> ListAsync(HttpClient http, Uri collector, string? token, string @namespace, string workflow, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(http, new Uri(collector, AuditCollectorApi.ChainsPath(@namespace, workflow)), token, cancellationToken);
        return JsonSerializer.Deserialize<List<AuditChainListing>>(await response.Content.ReadAsStringAsync(cancellationToken), AuditChain.SerializerOptions) ?? [];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListFilesAsync(CancellationToken cancellationToken) => Task.FromResult(listing.Files);

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ReadLinesAsync(string file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!listing.Files.Contains(file))
        {
            yield break;
        }

        using var response = await SendAsync(http, new Uri(collector, AuditCollectorApi.ChainFilePath(@namespace, workflow, listing.Pod, file)), token, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, Uri uri, string? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new InvalidOperationException($"the audit collector refused {uri.AbsolutePath} with {(int)response.StatusCode}: {body}");
        }

        return response;
    }
}
