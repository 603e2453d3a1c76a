using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Models;

namespace AgentOperator.Gateway.Approvals;

/// <summary>
/// Identifies an approver from their bearer token with a TokenReview and checks with a
/// SubjectAccessReview that they may <c>approve</c> <c>agentapprovals</c> in the namespace. The token is
/// passed to the API server only; it is never logged or stored.
/// </summary>
public sealed class ApproverAuthorization(IKubernetes kubernetes)
{
    /// <summary>The verb checked on agentapprovals.</summary>
    public const string Verb = "approve";

    /// <summary>The approver behind <paramref name="token"/>, or null when the token is not authenticated.</summary>
    public async Task<Approver?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var review = await kubernetes.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenReview",
            Spec = new V1TokenReviewSpec { Token = token },
        }, cancellationToken: cancellationToken);
        if (review.Status is not { Authenticated: true, User.Username: { Length: > 0 } user })
        {
            return null;
        }

        var extra = review.Status.User.Extra?.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value]);
        return new Approver(user, review.Status.User.Uid, [.. review.Status.User.Groups ?? []], extra);
    }

    /// <summary>True when <paramref name="approver"/> may approve the named approval.</summary>
    public async Task<bool> MayApproveAsync(Approver approver, string @namespace, string name, CancellationToken cancellationToken)
    {
        var review = await kubernetes.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Spec = new V1SubjectAccessReviewSpec
            {
                User = approver.User,
                Uid = approver.Uid,
                Groups = [.. approver.Groups],
                Extra = approver.Extra?.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]),
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = ApiGroup.Group,
                    Version = ApiGroup.Version,
                    Resource = AgentApproval.Plural,
                    Verb = Verb,
                    NamespaceProperty = @namespace,
                    Name = name,
                },
            },
        }, cancellationToken: cancellationToken);
        return review.Status is { Allowed: true, Denied: not true };
    }
}
