using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AgentOperator.Contracts;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.AuditCollector.Identity;

/// <summary>
/// Authenticates bearer tokens with the API server (TokenReview) and authorizes readers (SubjectAccessReview): a
/// gateway by its projected token for <see cref="AuditCollectorApi.Audience"/>, bound to its pod; a person or tool by
/// any token the API server accepts, allowed to read a workflow's audit and runs when it may <c>get</c> that
/// AgentWorkflow. Answers are cached per token hash for <see cref="TokenCacheTime"/>.
/// </summary>
public sealed class TokenAuthenticator(IKubernetes kubernetes, TimeProvider timeProvider, TimeSpan tokenCacheTime)
{
    private const string PodNameExtra = "authentication.kubernetes.io/pod-name";
    private const string ServiceAccountPrefix = "system:serviceaccount:";
    private readonly ConcurrentDictionary<string, (GatewayIdentity Identity, DateTimeOffset Until)> _gateways = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (bool Allowed, DateTimeOffset Until)> _readers = new(StringComparer.Ordinal);

    public TimeSpan TokenCacheTime { get; } = tokenCacheTime;

    /// <summary>The gateway behind the request's bearer token; throws <see cref="CallerRejectedException"/> when there is none.</summary>
    public async Task<GatewayIdentity> GatewayAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var token = BearerToken(request);
        var key = Hash(token);
        var now = timeProvider.GetUtcNow();
        if (_gateways.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.Identity;
        }

        var status = await ReviewAsync(token, [AuditCollectorApi.Audience], cancellationToken);
        var username = status.User?.Username ?? "";
        if (!username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) || username[ServiceAccountPrefix.Length..].Split(':') is not [var ns, var serviceAccount])
        {
            throw new CallerRejectedException(StatusCodes.Status403Forbidden, $"only gateways ship audit records; {username} is not a ServiceAccount");
        }

        if (status.User?.Extra?.TryGetValue(PodNameExtra, out var pods) != true || pods!.FirstOrDefault() is not { Length: > 0 } pod)
        {
            throw new CallerRejectedException(StatusCodes.Status403Forbidden, "the token is not bound to a pod: the gateway ships with its projected ServiceAccount token");
        }

        V1ServiceAccount account;
        try
        {
            account = await kubernetes.CoreV1.ReadNamespacedServiceAccountAsync(serviceAccount, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new CallerRejectedException(StatusCodes.Status403Forbidden, $"ServiceAccount {ns}/{serviceAccount} no longer exists");
        }

        var owner = account.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == RevisionObjects.WorkflowKind && o.ApiVersion.StartsWith(ApiGroupPrefix, StringComparison.Ordinal));
        if (owner is null || account.Metadata.Annotations?.TryGetValue(RevisionObjects.RevisionAnnotation, out var revision) != true)
        {
            throw new CallerRejectedException(StatusCodes.Status403Forbidden, $"ServiceAccount {ns}/{serviceAccount} is not a workflow revision's identity (no AgentWorkflow owner or revision annotation)");
        }

        var identity = new GatewayIdentity(ns, serviceAccount, pod, owner.Name, revision!);
        _gateways[key] = (identity, now + TokenCacheTime);
        return identity;
    }

    /// <summary>Throws <see cref="CallerRejectedException"/> unless the request's bearer may <c>get</c> AgentWorkflow <paramref name="workflow"/> in <paramref name="namespace"/>.</summary>
    public async Task AuthorizeReaderAsync(HttpRequest request, string @namespace, string workflow, CancellationToken cancellationToken)
    {
        var token = BearerToken(request);
        var key = $"{Hash(token)}|{@namespace}|{workflow}";
        var now = timeProvider.GetUtcNow();
        if (!_readers.TryGetValue(key, out var cached) || cached.Until <= now)
        {
            var status = await ReviewAsync(token, null, cancellationToken);
            var review = await kubernetes.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
            {
                Spec = new V1SubjectAccessReviewSpec
                {
                    User = status.User.Username,
                    Uid = status.User.Uid,
                    Groups = status.User.Groups,
                    Extra = status.User.Extra,
                    ResourceAttributes = new V1ResourceAttributes { Group = "agentoperator.io", Resource = "agentworkflows", Verb = "get", NamespaceProperty = @namespace, Name = workflow },
                },
            }, cancellationToken: cancellationToken);
            cached = (review.Status.Allowed, now + TokenCacheTime);
            _readers[key] = cached;
        }

        if (!cached.Allowed)
        {
            throw new CallerRejectedException(StatusCodes.Status403Forbidden, $"reading the audit and runs of AgentWorkflow {@namespace}/{workflow} needs permission to get it");
        }
    }

    private const string ApiGroupPrefix = "agentoperator.io/";

    private async Task<V1TokenReviewStatus> ReviewAsync(string token, IList<string>? audiences, CancellationToken cancellationToken)
    {
        var review = await kubernetes.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token, Audiences = audiences } }, cancellationToken: cancellationToken);
        if (review.Status?.Authenticated != true)
        {
            throw new CallerRejectedException(StatusCodes.Status401Unauthorized,
                audiences is null ? "the bearer token is not valid for the API server" : $"the bearer token is not valid for audience {audiences[0]}");
        }

        return review.Status;
    }

    private static string BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && header.Length > 7
            ? header[7..].Trim()
            : throw new CallerRejectedException(StatusCodes.Status401Unauthorized, "an Authorization: Bearer token is required");
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
