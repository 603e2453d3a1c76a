using System.Net.Http.Headers;
using k8s;
using k8s.Authentication;
using k8s.Models;

namespace AgentOperator.DevMode.Install;

/// <summary>
/// Bearer tokens of one ServiceAccount from the TokenRequest API, for a client running outside a pod (the in-process
/// operator of dev mode and of the tests). Like the kubelet's projected token, a token is replaced once 80 % of its
/// lifetime has passed: the first API call after that point requests the next one, concurrent calls share it.
/// </summary>
internal sealed class ServiceAccountTokenProvider(IKubernetes admin, string @namespace, string name, TimeSpan lifetime, TimeProvider time) : ITokenProvider
{
    // As the kubelet rotates a projected token: at 80 % of its lifetime.
    private const double RefreshAt = 0.8;

    /// <summary>One hour, the kubelet's default for a projected ServiceAccount token (the API's minimum is 10 minutes).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();
    private Task<IssuedToken>? _current;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        Task<IssuedToken> current;
        lock (_gate)
        {
            if (_current is null || (_current.IsCompleted && (!_current.IsCompletedSuccessfully || time.GetUtcNow() >= _current.Result.RenewAfter)))
            {
                // Not the caller's token: one caller giving up must not fail the others waiting for the same token.
                _current = RequestAsync();
            }

            current = _current;
        }

        var issued = await current.WaitAsync(cancellationToken);
        return new AuthenticationHeaderValue("Bearer", issued.Token);
    }

    private async Task<IssuedToken> RequestAsync()
    {
        var requestedAt = time.GetUtcNow();
        var request = new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = [], ExpirationSeconds = (long)lifetime.TotalSeconds } };
        var issued = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, name, @namespace);
        var expiresAt = issued.Status.ExpirationTimestamp is { } expiry ? new DateTimeOffset(DateTime.SpecifyKind(expiry, DateTimeKind.Utc)) : requestedAt + lifetime;
        return new IssuedToken(issued.Status.Token, requestedAt + ((expiresAt - requestedAt) * RefreshAt));
    }

    private sealed record IssuedToken(string Token, DateTimeOffset RenewAfter);
}
