using System.Collections.Concurrent;

namespace AgentOperator.TestSupport;

/// <summary>
/// Records every API request a client sends (<c>METHOD /path?query</c>), as a DelegatingHandler on that client, so it
/// sees exactly that client's traffic (DevCluster keeps no request log). Reads are GET (lists and watches included);
/// writes are POST, PUT, PATCH and DELETE.
/// </summary>
/// <remarks>
/// Compiled into each project that uses it (linked from <c>tests/TestSupport</c>), so the Scale harness can share it
/// without referencing a test project.
/// </remarks>
internal sealed class ApiRequestLog : DelegatingHandler
{
    private readonly ConcurrentQueue<string> _requests = new();

    public IReadOnlyList<string> All => [.. _requests];

    public int Count => _requests.Count;

    public int Reads => _requests.Count(r => r.StartsWith("GET ", StringComparison.Ordinal));

    /// <summary>Writes to Leases (leader election renewals) are not the reconciler's; they are left out.</summary>
    public IReadOnlyList<string> Writes => [.. _requests.Where(IsWrite).Where(r => !r.Contains("/leases", StringComparison.Ordinal))];

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
