using System.Collections.Concurrent;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// Counts every API request an operator's client sends (DevCluster keeps no request log): a DelegatingHandler on
/// the operator's own client, so it sees exactly that operator's traffic. Writes are POST, PUT, PATCH and DELETE.
/// </summary>
public sealed class RequestLog : DelegatingHandler
{
    private readonly ConcurrentQueue<string> _requests = new();

    /// <summary>Writes to Leases (leader election renewals) are not the reconciler's; they are left out of <see cref="Writes"/>.</summary>
    public IReadOnlyList<string> Writes => [.. _requests.Where(IsWrite).Where(r => !r.Contains("/leases", StringComparison.Ordinal))];

    public IReadOnlyList<string> All => [.. _requests];

    public int Count => _requests.Count;

    public void Clear() => _requests.Clear();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue($"{request.Method} {request.RequestUri?.PathAndQuery}");
        return base.SendAsync(request, cancellationToken);
    }

    private static bool IsWrite(string request) =>
        request.StartsWith("POST ", StringComparison.Ordinal) || request.StartsWith("PUT ", StringComparison.Ordinal)
        || request.StartsWith("PATCH ", StringComparison.Ordinal) || request.StartsWith("DELETE ", StringComparison.Ordinal);
}
