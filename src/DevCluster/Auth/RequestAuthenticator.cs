using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// Authentication in kube-apiserver's order: a client certificate signed by the client CA (CN = user, O = groups), else a
/// bearer token: the admin token (system:masters), a static token (<see cref="DevClusterOptions.StaticTokens"/>, like
/// <c>--token-auth-file</c>), or a service-account JWT this server issued whose ServiceAccount still exists with the same
/// uid (so deleting or recreating it revokes its tokens). Every authenticated user is in system:authenticated.
/// </summary>
internal sealed class RequestAuthenticator(DevClusterOptions options, string adminToken, ServiceAccountTokenIssuer issuer, ObjectStore store, ClientCertificateAuthority clientCa)
{
    private readonly Dictionary<string, StaticToken> _staticTokens = options.StaticTokens.ToDictionary(t => t.Token, StringComparer.Ordinal);

    private static readonly GroupResource ServiceAccounts = new("", "serviceaccounts");
    private readonly byte[] _adminToken = Encoding.UTF8.GetBytes(adminToken);

    public static readonly UserInfo Admin = new("admin", "", ["system:masters", "system:authenticated"]);

    /// <summary>The user a request authenticates as, or null (401) when auth is required and the token is missing or invalid.</summary>
    public UserInfo? Authenticate(string? authorizationHeader, X509Certificate2? clientCertificate = null)
    {
        if (!options.RequireAuthentication)
        {
            return Admin;
        }

        if (clientCertificate is not null && clientCa.Authenticate(clientCertificate) is { } certificateUser)
        {
            return certificateUser;
        }

        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorizationHeader["Bearer ".Length..].Trim();
        return AuthenticateToken(token, [options.ApiAudience], out _, out _);
    }

    /// <summary>Validates a token for the given audiences (TokenReview uses this with the review's audiences).</summary>
    public UserInfo? AuthenticateToken(string token, IReadOnlyList<string> audiences, out string? error, out IReadOnlyList<string> matchedAudiences)
    {
        matchedAudiences = audiences;
        if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), _adminToken))
        {
            error = null;
            return Admin;
        }

        if (_staticTokens.TryGetValue(token, out var known))
        {
            error = null;
            return new UserInfo(known.User, known.Uid, known.Groups.Append("system:authenticated").Distinct().ToList());
        }

        var claims = issuer.Verify(token, audiences, out error, out matchedAudiences);
        if (claims is null)
        {
            return null;
        }

        var ns = claims.Str("kubernetes.io", "namespace") ?? "";
        var name = claims.Str("kubernetes.io", "serviceaccount", "name") ?? "";
        var uid = claims.Str("kubernetes.io", "serviceaccount", "uid") ?? "";
        var sa = store.Get(ServiceAccounts, ns, name);
        if (sa is null)
        {
            error = $"serviceaccounts \"{name}\" not found";
            return null;
        }

        if (sa.Uid != uid || sa.Deleting)
        {
            error = $"service account UID ({uid}) does not match claim ({sa.Uid})";
            return null;
        }

        var extra = new Dictionary<string, IReadOnlyList<string>>();
        if (claims.Str("kubernetes.io", "pod", "name") is { } pod)
        {
            extra["authentication.kubernetes.io/pod-name"] = [pod];
            extra["authentication.kubernetes.io/pod-uid"] = [claims.Str("kubernetes.io", "pod", "uid") ?? ""];
        }

        if (claims.Str("jti") is { } jti)
        {
            extra["authentication.kubernetes.io/credential-id"] = ["JTI=" + jti];
        }

        return new UserInfo($"system:serviceaccount:{ns}:{name}", uid, ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"]) { Extra = extra };
    }
}
