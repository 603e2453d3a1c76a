using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// Issues and verifies RS256 service-account JWTs with the claims kube-apiserver's TokenRequest puts in them:
/// iss, sub (system:serviceaccount:NS:NAME), aud, exp, iat, nbf, jti and the private
/// <c>kubernetes.io</c> claim naming the namespace and the service account (name and uid).
/// </summary>
internal sealed class ServiceAccountTokenIssuer(DevClusterOptions options) : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly string _keyId = Convert.ToHexStringLower(SHA256.HashData(Guid.NewGuid().ToByteArray()))[..16];

    public string Issue(string ns, string name, string uid, IReadOnlyList<string> audiences, long expirationSeconds, JsonObject? boundObjectRef, out DateTimeOffset expires)
    {
        var now = options.TimeProvider.GetUtcNow();
        expires = now.AddSeconds(expirationSeconds);
        var kube = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = uid },
        };
        if (boundObjectRef?.Str("kind") is "Pod" && boundObjectRef.Str("name") is { } pod)
        {
            kube["pod"] = new JsonObject { ["name"] = pod, ["uid"] = boundObjectRef.Str("uid") ?? "" };
        }

        var payload = new JsonObject
        {
            ["aud"] = new JsonArray(audiences.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = options.ServiceAccountIssuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = kube,
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
        };
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = _keyId };
        var signingInput = Base64Url(header.ToUtf8()) + "." + Base64Url(payload.ToUtf8());
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>The verified claims, or null with <paramref name="error"/> set (bad signature, expired, wrong audience).</summary>
    public JsonObject? Verify(string token, IReadOnlyList<string> acceptedAudiences, out string? error, out IReadOnlyList<string> matchedAudiences)
    {
        matchedAudiences = [];
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            error = "token is not a JWT";
            return null;
        }

        byte[] signature;
        JsonObject? payload;
        try
        {
            signature = FromBase64Url(parts[2]);
            payload = JsonNodeExtensions.ParseObject(FromBase64Url(parts[1]));
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            error = "malformed token";
            return null;
        }

        if (!_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            error = "invalid bearer token, square/go-jose: error in cryptographic primitive";
            return null;
        }

        var now = options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (payload.Long("exp") is not { } exp || exp < now)
        {
            error = "service account token has expired";
            return null;
        }

        if (payload.Long("nbf") is { } nbf && nbf > now + 60)
        {
            error = "service account token is not valid yet";
            return null;
        }

        if (payload.Str("iss") != options.ServiceAccountIssuer)
        {
            error = "token issuer is not recognized";
            return null;
        }

        var tokenAudiences = payload["aud"] is JsonArray a ? a.Select(x => (string?)x ?? "").ToList() : [payload.Str("aud") ?? ""];
        matchedAudiences = acceptedAudiences.Where(tokenAudiences.Contains).ToList();
        if (matchedAudiences.Count == 0)
        {
            error = "token audiences " + FormatList(tokenAudiences) + " is invalid for the target audiences " + FormatList(acceptedAudiences);
            return null;
        }

        error = null;
        return payload;
    }

    public void Dispose() => _key.Dispose();

    private static string FormatList(IEnumerable<string> items) => "[\"" + string.Join("\",\"", items) + "\"]";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
