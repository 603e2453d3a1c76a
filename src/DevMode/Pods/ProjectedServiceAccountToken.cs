using System.Text;
using k8s;
using k8s.Models;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// One <c>serviceAccountToken</c> projection, as the kubelet serves it: a token from the TokenRequest API for
/// the pod's ServiceAccount, bound to the pod, with the projection's audience and lifetime, written to a file
/// and requested again once 80 % of its lifetime has passed.
/// </summary>
internal sealed class ProjectedServiceAccountToken(IKubernetes admin, PodManifest pod, string path, string? audience, long expirationSeconds, TimeProvider time)
{
    /// <summary>Share of a token's lifetime after which it is replaced.</summary>
    public const double RefreshAt = 0.8;

    /// <summary>When the current token expires.</summary>
    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>Requests the first token and writes it; throws when the API refuses.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var request = new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                // No audience means the API server's own, like a projection without one.
                Audiences = audience is null ? [] : [audience],
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Name, Uid = pod.Uid },
            },
        };
        var issued = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, pod.ServiceAccountName, pod.Namespace, cancellationToken: cancellationToken);
        var requestedAt = time.GetUtcNow();
        ExpiresAt = issued.Status.ExpirationTimestamp is { } expiry ? new DateTimeOffset(DateTime.SpecifyKind(expiry, DateTimeKind.Utc)) : requestedAt.AddSeconds(expirationSeconds);
        await SecureFiles.WriteAsync(path, Encoding.ASCII.GetBytes(issued.Status.Token), cancellationToken);
    }

    /// <summary>Replaces the token at 80 % of each lifetime until cancelled; a refused refresh is retried every 10 s.</summary>
    public async Task RefreshUntilCancelledAsync(Action<Exception> onError, CancellationToken cancellationToken)
    {
        var lifetime = ExpiresAt - time.GetUtcNow();
        var wait = TimeSpan.FromTicks((long)(lifetime.Ticks * RefreshAt));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1), time, cancellationToken);
                var before = time.GetUtcNow();
                await WriteAsync(cancellationToken);
                wait = TimeSpan.FromTicks((long)((ExpiresAt - before).Ticks * RefreshAt));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
            {
                onError(exception);
                wait = TimeSpan.FromSeconds(10);
            }
        }
    }
}
