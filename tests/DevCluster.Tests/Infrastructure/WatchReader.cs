using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>Reads a raw watch stream line by line (one JSON event per line), each read bounded in time.</summary>
public sealed class WatchReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private WatchReader(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static async Task<WatchReader> OpenAsync(HttpClient http, string url)
    {
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode, $"watch {url} answered {(int)response.StatusCode}");
        return new WatchReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The next event, or null when the server closed the stream.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            return line is null ? null : JsonNode.Parse(line)!.AsObject();
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no watch event within {timeout ?? TimeSpan.FromSeconds(10)}");
            return null;
        }
    }

    /// <summary>Reads until an event matches, skipping others (e.g. bookmarks).</summary>
    public async Task<JsonObject> NextMatchingAsync(Func<JsonObject, bool> match, string what)
    {
        var seen = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            var e = await NextAsync() ?? throw new InvalidOperationException($"stream closed before {what}; saw {string.Join(", ", seen)}");
            if (match(e))
            {
                return e;
            }

            seen.Add((string?)e["type"] + " " + (string?)e["object"]?["metadata"]?["name"]);
        }

        throw new InvalidOperationException($"no {what} in 1000 events");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
