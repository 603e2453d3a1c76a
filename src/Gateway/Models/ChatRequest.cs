using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Http;
using AgentOperator.Policy.Inputs;

namespace AgentOperator.Gateway.Models;

/// <summary>
/// A chat completion request as the gateway reads it: the strictly parsed body and the members that decide
/// what the call may cost. Every member the gateway relies on is checked for its type and range here, so a
/// value the gateway would read one way and the provider another (a string "true", a negative or fractional
/// max_tokens) is refused rather than forwarded.
/// </summary>
public sealed class ChatRequest
{
    /// <summary>OpenAI's upper bound of <c>n</c>.</summary>
    public const int MaxChoices = 128;

    private const string MaxTokens = "max_tokens";
    private const string MaxCompletionTokens = "max_completion_tokens";

    private ChatRequest(JsonObject body, string? model, string capField, long? requestedCap, int choices, bool stream, bool includeUsage, int estimatedPromptTokens)
    {
        Body = body;
        Model = model;
        CapField = capField;
        RequestedCap = requestedCap;
        Choices = choices;
        Stream = stream;
        ClientWantsUsage = includeUsage;
        EstimatedPromptTokens = estimatedPromptTokens;
    }

    /// <summary>The request body, rewritten in place before it is forwarded.</summary>
    public JsonObject Body { get; }

    /// <summary>The model the request names, if any.</summary>
    public string? Model { get; }

    /// <summary>The member that carries the completion cap: the one the request used, else <c>max_tokens</c>.</summary>
    public string CapField { get; }

    /// <summary>The cap the request asked for (per choice), if any.</summary>
    public long? RequestedCap { get; }

    /// <summary>OpenAI's <c>n</c>: completions asked for.</summary>
    public int Choices { get; }

    /// <summary>True when the answer is to be streamed as Server-Sent Events.</summary>
    public bool Stream { get; }

    /// <summary>True when the agent itself asked for the final usage chunk of a stream.</summary>
    public bool ClientWantsUsage { get; }

    /// <summary>Prompt tokens estimated from the body's size (4 bytes a token; tools and schemas count too).</summary>
    public int EstimatedPromptTokens { get; }

    /// <summary>Parses and checks <paramref name="utf8"/>; on failure <paramref name="error"/> names the member (pointer) and why.</summary>
    public static bool TryParse(byte[] utf8, out ChatRequest? request, out InputError? error)
    {
        request = null;
        if (!StrictJson.TryParse(utf8, out var parsed, out var malformed))
        {
            error = new InputError(malformed.Pointer, $"the request body is not strict JSON: {malformed.Message}");
            return false;
        }

        if (JsonObject.Create(parsed) is not { } body)
        {
            error = new InputError("", "the body must be a JSON chat completion request (an object)");
            return false;
        }

        if (body["model"] is { } modelNode && modelNode.GetValueKind() != JsonValueKind.String)
        {
            error = new InputError("/model", "model must be a string (the role's pinned model) or absent");
            return false;
        }

        if (body[MaxTokens] is not null && body[MaxCompletionTokens] is not null)
        {
            error = new InputError("/" + MaxCompletionTokens, "set either max_tokens or max_completion_tokens, not both");
            return false;
        }

        var capField = body[MaxCompletionTokens] is not null ? MaxCompletionTokens : MaxTokens;
        long? cap = null;
        if (body[capField] is { } capNode)
        {
            if (!TryPositiveInteger(capNode, out var value))
            {
                error = new InputError("/" + capField, $"{capField} must be a positive integer (at least 1)");
                return false;
            }

            cap = value;
        }

        var choices = 1;
        if (body["n"] is { } nNode)
        {
            if (!TryPositiveInteger(nNode, out var value) || value > MaxChoices)
            {
                error = new InputError("/n", $"n must be an integer from 1 to {MaxChoices}");
                return false;
            }

            choices = (int)value;
        }

        var stream = false;
        if (body["stream"] is { } streamNode)
        {
            if (streamNode.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = new InputError("/stream", "stream must be a boolean (true or false), not a string or number");
                return false;
            }

            stream = streamNode.GetValue<bool>();
        }

        var includeUsage = false;
        if (body["stream_options"] is { } options)
        {
            if (options is not JsonObject optionsObject || (optionsObject["include_usage"] is { } include && include.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)))
            {
                error = new InputError("/stream_options", "stream_options must be an object whose include_usage is a boolean");
                return false;
            }

            includeUsage = optionsObject["include_usage"]?.GetValue<bool>() == true;
        }

        error = null;
        request = new ChatRequest(body, body["model"]?.GetValue<string>(), capField, cap, choices, stream, includeUsage, (int)Math.Min(int.MaxValue, utf8.Length / 4));
        return true;
    }

    /// <summary>Sets the cap the gateway decided, in the member the request used; a stream asks for its usage chunk.</summary>
    public void Prepare(string pinnedModel, long cap)
    {
        Body["model"] = pinnedModel;
        Body[CapField] = cap;
        if (Stream)
        {
            var options = Body["stream_options"] as JsonObject ?? [];
            options["include_usage"] = true;
            Body["stream_options"] = options;
        }
    }

    private static bool TryPositiveInteger(JsonNode node, out long value)
    {
        value = 0;
        if (node.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        // "10" is a number; "10.0", "1e3" and anything beyond a long are not integers a provider reads the same way.
        return node.AsValue().TryGetValue(out JsonElement element) && element.TryGetInt64(out value) && value >= 1;
    }
}
