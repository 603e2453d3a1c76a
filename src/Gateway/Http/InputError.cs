using System.Text.Json.Serialization;

namespace AgentOperator.Gateway.Http;

/// <summary>One reason an input is invalid: a JSON Pointer into the input and a message.</summary>
public sealed record InputError(
    [property: JsonPropertyName("pointer")] string JsonPointer,
    [property: JsonPropertyName("message")] string Message);
