using System.Net;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// Sends every upstream call to a host that is not loopback to the local fakes, keeping path and query:
/// OpenAI-compatible <c>…/chat/completions</c> calls to the fake model, everything else (tool upstreams
/// such as <c>http://crm.support.svc/…</c>) to the fake tool server. Dev mode has no cluster DNS and no internet.
/// </summary>
internal sealed class FakeUpstreamRedirectHandler(Uri fakeModel, Uri fakeTools) : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
{
    /// <summary>Header naming the host the call was meant for, so a fake's recording shows it.</summary>
    public const string OriginalHostHeader = "X-Dev-Original-Host";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri && !IsLoopback(uri))
        {
            var target = uri.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal) ? fakeModel : fakeTools;
            request.Headers.TryAddWithoutValidation(OriginalHostHeader, uri.Authority);
            request.RequestUri = new UriBuilder(target) { Path = uri.AbsolutePath, Query = uri.Query.TrimStart('?') }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
