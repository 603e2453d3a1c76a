using System.Collections.Concurrent;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Gateway.Upstreams;

/// <summary>
/// Reads upstream credentials from files mounted into the gateway sidecar only: a Secret key at
/// <c>{secretsRoot}/{secret}/{key}</c>, or a projected service-account token for an audience at
/// <c>{tokensRoot}/{audience with anything but [A-Za-z0-9.-] replaced by '-'}/token</c>. Values are
/// cached for <see cref="CacheFor"/> so the kubelet's rotation is picked up. The values go into upstream
/// request headers and nowhere else: never into responses, logs, spans or audit records.
/// </summary>
public sealed class UpstreamCredentialFiles(string secretsRoot, string tokensRoot, TimeProvider timeProvider)
{
    /// <summary>How long a read credential is reused before the file is read again.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (string Value, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>The header to send for <paramref name="auth"/>, or null when the tool has no auth.</summary>
    /// <exception cref="UpstreamCredentialException">the credential file is missing or unreadable.</exception>
    public async ValueTask<KeyValuePair<string, string>?> HeaderAsync(ToolAuth? auth, CancellationToken cancellationToken)
    {
        if (auth?.SecretRef is { } secret)
        {
            RequireSafeSegment(secret.Name);
            RequireSafeSegment(secret.Key);
            var value = await ReadAsync(Path.Combine(secretsRoot, secret.Name, secret.Key), cancellationToken);
            return new(secret.Header, secret.Prefix + value);
        }

        if (auth?.BoundToken is { } bound)
        {
            var folder = GatewayPodLayout.TokenFolder(bound.Audience);
            RequireSafeSegment(folder);
            var token = await ReadAsync(Path.Combine(tokensRoot, folder, "token"), cancellationToken);
            return new("Authorization", "Bearer " + token);
        }

        return null;
    }

    private async ValueTask<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_cache.TryGetValue(path, out var cached) && now - cached.ReadAt < CacheFor)
        {
            return cached.Value;
        }

        try
        {
            var value = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            _cache[path] = (value, now);
            return value;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The path names a mount, not a credential; the exception message is not passed on.
            throw new UpstreamCredentialException($"the upstream credential file {path} could not be read");
        }
    }

    private static void RequireSafeSegment(string segment)
    {
        if (segment.Length == 0 || segment is "." or ".." || segment.Contains('/', StringComparison.Ordinal) || segment.Contains('\\', StringComparison.Ordinal))
        {
            throw new UpstreamCredentialException("an upstream credential reference is not a single path segment");
        }
    }
}
