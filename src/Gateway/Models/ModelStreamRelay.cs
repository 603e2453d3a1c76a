using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.RunBudgets;
using Microsoft.AspNetCore.Http.Features;

namespace AgentOperator.Gateway.Models;

/// <summary>
/// Relays a streamed chat completion (Server-Sent Events) to the agent event by event while holding it to the
/// run's budget. Completion tokens are counted from the deltas as the larger of two estimates: one token per
/// chunk that carries output (providers send about one token a chunk) and one per 4 UTF-8 bytes of output
/// (for providers that pack chunks). When that count runs past the reservation, the reservation grows if the
/// run's budgets allow; when they do not, the stream is cut: a last chunk with <c>finish_reason: "length"</c>,
/// an OpenAI error event and <c>data: [DONE]</c>, and the upstream connection is closed so the provider stops.
/// The final usage chunk (asked for upstream) settles the call; it reaches the agent only if it asked for it.
/// The stream's end (<c>data: [DONE]</c>, and after a cut the last chunk and the error) is held back until
/// <see cref="EndAsync"/>, which the caller sends once the call is settled: an agent that completes its run the
/// moment its stream ends finds the call already charged.
/// </summary>
internal sealed class ModelStreamRelay(BudgetReservation reservation, BundleModel model, long estimatedPromptTokens, bool clientWantsUsage)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "[DONE]"u8.ToArray();

    private readonly List<byte[]> _end = [];
    private long _outputChunks;
    private long _outputBytes;
    private string? _lastId;

    /// <summary>The provider's usage from the final chunk, if one came.</summary>
    public (long Prompt, long Completion)? Usage { get; private set; }

    /// <summary>The budget that cut the stream, if it was cut.</summary>
    public string? CutBy { get; private set; }

    /// <summary>Completion tokens counted from the deltas so far.</summary>
    public long CountedCompletionTokens => Math.Max(_outputChunks, (_outputBytes + 3) / 4);

    /// <summary>
    /// Relays <paramref name="upstream"/> to <paramref name="response"/> until the upstream ends, the budget cuts
    /// it, or the agent goes away (which cancels <paramref name="cancellationToken"/>).
    /// </summary>
    public async Task RelayAsync(Stream upstream, HttpResponse response, Func<string, ModelRefusal> cut, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);

        var reader = PipeReader.Create(upstream);
        var data = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            while (TryReadLine(ref buffer, out var line))
            {
                if (line.Length == 0)
                {
                    // A blank line ends an event: act on its data.
                    if (data.WrittenCount > 0 && !await OnEventAsync(data.WrittenMemory, response, cut, cancellationToken))
                    {
                        await reader.CompleteAsync();
                        return;
                    }

                    data.Clear();
                }
                else if (line.AsSpan().StartsWith("data:"u8))
                {
                    data.Write(line.AsSpan(line.Length > 5 && line[5] == (byte)' ' ? 6 : 5));
                }

                // Comments (": keep-alive") and other fields are not forwarded: the agent gets data events only.
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync();
    }

    /// <summary>Sends the end of the stream held back by <see cref="RelayAsync"/>, if it ended or was cut.</summary>
    public async Task EndAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        foreach (var data in _end)
        {
            await WriteEventAsync(response, data, cancellationToken);
        }
    }

    // Returns false when the stream is over for the agent (ended or cut).
    private async ValueTask<bool> OnEventAsync(ReadOnlyMemory<byte> data, HttpResponse response, Func<string, ModelRefusal> cut, CancellationToken cancellationToken)
    {
        if (data.Span.SequenceEqual(Done))
        {
            _end.Add(Done);
            return false;
        }

        var forward = Inspect(data.Span);
        var needed = estimatedPromptTokens + CountedCompletionTokens - reservation.Amount.Tokens;
        if (needed > 0 && !reservation.TryGrow(new Usage(Tokens: needed, CostUsd: needed * (model.OutputCostPer1kTokensUsd ?? 0) / 1000.0), out var budget))
        {
            CutBy = budget;
            var last = new JsonObject
            {
                ["id"] = _lastId,
                ["object"] = "chat.completion.chunk",
                ["model"] = model.Model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "length" }),
            };
            _end.AddRange([JsonSerializer.SerializeToUtf8Bytes(last), JsonSerializer.SerializeToUtf8Bytes(cut(budget!).OpenAiError()), Done]);
            return false;
        }

        if (forward)
        {
            await WriteEventAsync(response, data, cancellationToken);
        }

        return true;
    }

    // Counts the chunk's output and reads its usage; false when the chunk is the usage chunk the agent did not ask for.
    private bool Inspect(ReadOnlySpan<byte> data)
    {
        try
        {
            using var chunk = JsonDocument.Parse(data.ToArray());
            var root = chunk.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return true;
            }

            if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                _lastId = id.GetString();
            }

            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("delta", out var delta) && OutputBytes(delta) is > 0 and var bytes)
                    {
                        _outputChunks++;
                        _outputBytes += bytes;
                    }
                }
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                Usage = (Tokens(usage, "prompt_tokens"), Tokens(usage, "completion_tokens"));
                return clientWantsUsage || (choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0);
            }
        }
        catch (JsonException)
        {
            // Not JSON: forwarded as is; counting stays on the conservative side through the reservation.
        }

        return true;
    }

    // Bytes of generated text in a delta: content, refusal, reasoning and tool calls' names and arguments.
    private static long OutputBytes(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Encoding.UTF8.GetByteCount(element.GetString()!),
        JsonValueKind.Object => element.EnumerateObject().Where(p => p.Name != "role" && p.Name != "type" && p.Name != "id" && p.Name != "index").Sum(p => OutputBytes(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Sum(OutputBytes),
        _ => 0,
    };

    private static long Tokens(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.TryGetInt64(out var tokens) && tokens >= 0 ? tokens : 0;

    private static async ValueTask WriteEventAsync(HttpResponse response, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(DataPrefix, cancellationToken);
        await response.Body.WriteAsync(data, cancellationToken);
        await response.Body.WriteAsync(EventEnd, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out byte[] line)
    {
        if (buffer.PositionOf((byte)'\n') is not { } end)
        {
            line = [];
            return false;
        }

        line = buffer.Slice(0, end).ToArray();
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        if (line is [.., (byte)'\r'])
        {
            line = line[..^1];
        }

        return true;
    }
}
