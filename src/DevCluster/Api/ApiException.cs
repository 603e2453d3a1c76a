using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Api;

/// <summary>An error the API answers with a <c>Status</c> body, exactly as kube-apiserver's StatusError does.</summary>
internal sealed class ApiException(int code, JsonObject status) : Exception((string?)status["message"])
{
    public int Code { get; } = code;

    public JsonObject Status { get; } = status;

    /// <summary>Seconds a client should wait before retrying (429 and some 500s), sent as Retry-After.</summary>
    public int? RetryAfterSeconds { get; init; }
}
