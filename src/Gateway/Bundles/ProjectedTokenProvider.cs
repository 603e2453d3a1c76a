using System.Net.Http.Headers;
using k8s.Authentication;

namespace AgentOperator.Gateway.Bundles;

/// <summary>
/// Bearer token for the Kubernetes API read from the pod's projected service-account token file, re-read
/// after <see cref="ReloadAfter"/> because the kubelet rotates it.
/// </summary>
public sealed class ProjectedTokenProvider(string tokenPath, TimeProvider timeProvider) : ITokenProvider
{
    /// <summary>How long a read token is reused.</summary>
    public static readonly TimeSpan ReloadAfter = TimeSpan.FromMinutes(1);

    private (string Token, DateTimeOffset ReadAt)? _cached;

    /// <inheritdoc />
    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_cached is not { } cached || now - cached.ReadAt > ReloadAfter)
        {
            cached = ((await File.ReadAllTextAsync(tokenPath, cancellationToken)).Trim(), now);
            _cached = cached;
        }

        return new AuthenticationHeaderValue("Bearer", cached.Token);
    }
}
