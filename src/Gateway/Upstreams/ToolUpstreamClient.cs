using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Http;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AgentOperator.Gateway.Upstreams;

/// <summary>
/// Calls tool upstreams: a JSON POST to <c>upstream.url</c>, or <c>tools/call</c> on the MCP server of
/// <c>upstream.mcp</c> (streamable HTTP, one client session per tool, reopened after a failure). The
/// credential header is added per request from mounted files; the idempotency key is forwarded.
/// </summary>
public sealed partial class ToolUpstreamClient(
    HttpClient http,
    UpstreamCredentialFiles credentials,
    UpstreamResilience resilience,
    ILoggerFactory loggerFactory) : IToolUpstream, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<McpClient>>> _mcpClients = new(StringComparer.Ordinal);

    // Parsed once per upstream URL rather than per request; bundles name a handful of them.
    private readonly ConcurrentDictionary<string, Uri> _urls = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ToolUpstreamClient>();

    /// <inheritdoc />
    public async Task<UpstreamOutcome> CallAsync(UpstreamCall upstreamCall, CancellationToken cancellationToken)
    {
        var call = upstreamCall;
        var pipeline = resilience.For(call.Tool, call.Upstream, call.IsIdempotent);
        var attempts = 0;
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return call.Upstream.Mcp is { } mcp
                    ? await CallMcpAsync(call, mcp, attempts, token)
                    : await CallHttpAsync(call, attempts, token);
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (BrokenCircuitException)
        {
            return UpstreamOutcome.Failed(UpstreamFailure.CircuitOpen, null, null, attempts);
        }
        catch (TimeoutRejectedException)
        {
            return UpstreamOutcome.Failed(UpstreamFailure.TimedOut, null, null, attempts);
        }
        catch (UpstreamStatusException status)
        {
            return UpstreamOutcome.Failed(UpstreamFailure.Rejected, status.Body, (int)status.StatusCode, attempts);
        }
        catch (UpstreamCredentialException)
        {
            return UpstreamOutcome.Failed(UpstreamFailure.CredentialMissing, null, null, attempts);
        }
        catch (Exception exception) when (exception is HttpRequestException or McpException or IOException or JsonException)
        {
            LogUnreachable(_logger, call.Tool, exception.GetType().Name);
            if (call.Upstream.Mcp is not null)
            {
                await DropMcpClientAsync(call.Tool);
            }

            return UpstreamOutcome.Failed(UpstreamFailure.Unreachable, null, null, attempts);
        }
    }

    private async Task<UpstreamOutcome> CallHttpAsync(UpstreamCall call, int attempts, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _urls.GetOrAdd(call.Upstream.Url!, static url => new Uri(url, UriKind.RelativeOrAbsolute)));
        request.Content = new ReadOnlyMemoryContent(call.Input);
        // Added as text: a parsed header value costs objects on every call.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        if (call.IdempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation(call.Upstream.IdempotencyHeader, call.IdempotencyKey);
        }

        if (await credentials.HeaderAsync(call.Auth, cancellationToken) is { } header)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await ReadBodyAsync(response.Content, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return UpstreamOutcome.Success(body, (int)response.StatusCode, attempts);
        }

        var failure = new UpstreamStatusException(response.StatusCode, body);
        if (UpstreamResilience.IsTransient(failure))
        {
            throw failure;
        }

        return UpstreamOutcome.Failed(UpstreamFailure.Rejected, body, (int)response.StatusCode, attempts);
    }

    private async Task<UpstreamOutcome> CallMcpAsync(UpstreamCall call, McpUpstream mcp, int attempts, CancellationToken cancellationToken)
    {
        var client = await _mcpClients.GetOrAdd(call.Tool, _ => new Lazy<Task<McpClient>>(() => ConnectAsync(call, mcp))).Value;
        var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(call.Input.Span);
        var request = new CallToolRequestParams
        {
            Name = mcp.ToolName,
            Arguments = arguments,
        };
        if (call.IdempotencyKey is not null)
        {
            request.Meta = new JsonObject { ["idempotencyKey"] = call.IdempotencyKey };
        }

        var result = await client.CallToolAsync(request, cancellationToken);
        var node = JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions);
        var body = node is null ? null : JsonSerializer.SerializeToUtf8Bytes(node);
        return result.IsError == true
            ? UpstreamOutcome.Failed(UpstreamFailure.Rejected, body, null, attempts)
            : UpstreamOutcome.Success(body, null, attempts);
    }

    private async Task<McpClient> ConnectAsync(UpstreamCall call, McpUpstream mcp)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (await credentials.HeaderAsync(call.Auth, CancellationToken.None) is { } header)
        {
            headers[header.Key] = header.Value;
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(mcp.Url),
            TransportMode = HttpTransportMode.StreamableHttp,
            Name = $"upstream {call.Tool}",
            AdditionalHeaders = headers,
            ConnectionTimeout = TimeSpan.FromSeconds(call.Upstream.TimeoutSeconds),
        }, http, loggerFactory, ownsHttpClient: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(call.Upstream.TimeoutSeconds));
        return await McpClient.CreateAsync(transport, new McpClientOptions(), loggerFactory, timeout.Token);
    }

    private async Task DropMcpClientAsync(string tool)
    {
        if (_mcpClients.TryRemove(tool, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            await lazy.Value.Result.DisposeAsync();
        }
    }

    /// <summary>
    /// Reads the answer as compact JSON; an answer that is not JSON becomes a JSON string, an empty one null.
    /// UTF-8 (what JSON is) is compacted from pooled bytes without a string or a node tree; text in another
    /// charset, or bytes that are not JSON, are decoded first, by the charset or byte order mark.
    /// </summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        // The header is parsed only when it names a charset at all (JSON usually does not).
        var charset = content.Headers.NonValidated.TryGetValues("Content-Type", out var type) && type.ToString().Contains("charset", StringComparison.OrdinalIgnoreCase)
            ? content.Headers.ContentType?.CharSet
            : null;
        if (charset is not null && !string.Equals(charset.Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return FromText(await content.ReadAsStringAsync(cancellationToken));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(content.Headers.ContentLength is { } declared and < MaxPreallocatedBytes ? (int)declared + 1 : 4096);
        try
        {
            var length = 0;
            await using (var stream = await content.ReadAsStreamAsync(cancellationToken))
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
                {
                    length += read;
                    if (length == buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }
            }

            var json = buffer.AsMemory(0, length);
            if (json.Span.StartsWith(Utf8Bom))
            {
                json = json[Utf8Bom.Length..];
            }

            if (json.Span.Trim(" \t\r\n"u8).IsEmpty)
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(json);
                return PooledJson.ToBytes(document.RootElement, static (writer, root) => root.WriteTo(writer));
            }
            catch (Exception exception) when (exception is JsonException or ArgumentException)
            {
                // Not JSON, or not valid UTF-8 inside: decoded as text, as HttpContent would (UTF-8 unless a BOM says otherwise).
                using var reader = new StreamReader(new MemoryStream(buffer, 0, length), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
                return FromText(await reader.ReadToEndAsync(cancellationToken));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[]? FromText(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(JsonNode.Parse(text));
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToUtf8Bytes(text);
        }
    }

    private const int MaxPreallocatedBytes = 1024 * 1024;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var tool in _mcpClients.Keys)
        {
            await DropMcpClientAsync(tool);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream of tool {Tool} unreachable ({ErrorType})")]
    private static partial void LogUnreachable(ILogger logger, string tool, string errorType);
}
