using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Auth;

/// <summary>
/// The create-only review APIs and TokenRequest: authentication.k8s.io/v1 TokenReview, authorization.k8s.io/v1
/// SubjectAccessReview and SelfSubjectAccessReview, and the serviceaccounts/token subresource.
/// </summary>
internal sealed class AccessReviews(RequestAuthenticator authenticator, RbacAuthorizer authorizer, ServiceAccountTokenIssuer issuer, DevClusterOptions options)
{
    /// <summary>TokenReview: validates spec.token for spec.audiences (default: the API server's audience).</summary>
    public JsonObject TokenReview(JsonObject review)
    {
        var token = review.Str("spec", "token") ?? "";
        var audiences = review.At("spec", "audiences") is JsonArray { Count: > 0 } a
            ? a.Select(x => (string?)x ?? "").ToList()
            : [options.ApiAudience];
        var user = authenticator.AuthenticateToken(token, audiences, out var error, out var matched);
        var status = new JsonObject { ["authenticated"] = user is not null };
        if (user is not null)
        {
            status["user"] = new JsonObject
            {
                ["username"] = user.Name,
                ["uid"] = user.Uid,
                ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray()),
                ["extra"] = new JsonObject(user.Extra.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(kv.Value.Select(v => (JsonNode)JsonValue.Create(v)).ToArray())))),
            };
            status["audiences"] = new JsonArray(matched.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
        }
        else
        {
            status["user"] = new JsonObject();
            status["error"] = "[invalid bearer token, " + error + "]";
        }

        return Answer(review, status);
    }

    /// <summary>SubjectAccessReview: would this user (spec.user/groups) be allowed this request?</summary>
    public JsonObject SubjectAccessReview(JsonObject review)
    {
        var spec = review["spec"] as JsonObject ?? [];
        var groups = spec["groups"] is JsonArray g ? g.Select(x => (string?)x ?? "").ToList() : [];
        var user = new UserInfo(spec.Str("user") ?? "", spec.Str("uid") ?? "", groups);
        return Answer(review, Decide(user, spec));
    }

    /// <summary>SelfSubjectAccessReview: the same question about the caller.</summary>
    public JsonObject SelfSubjectAccessReview(JsonObject review, UserInfo caller) =>
        Answer(review, Decide(caller, review["spec"] as JsonObject ?? []));

    /// <summary>SelfSubjectReview (<c>kubectl auth whoami</c>): the caller's user info as the server authenticated it.</summary>
    public static JsonObject SelfSubjectReview(JsonObject review, UserInfo caller) => Answer(review, new JsonObject { ["userInfo"] = UserInfoJson(caller) });

    /// <summary>SelfSubjectRulesReview (<c>kubectl auth can-i --list</c>): the caller's RBAC rules in spec.namespace.</summary>
    public JsonObject SelfSubjectRulesReview(JsonObject review, UserInfo caller)
    {
        var rules = authorizer.RulesFor(caller, review.Str("spec", "namespace") ?? "");
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        foreach (var rule in rules)
        {
            if (rule["nonResourceURLs"] is JsonArray { Count: > 0 } urls)
            {
                nonResourceRules.Add(new JsonObject { ["verbs"] = rule["verbs"]?.DeepClone(), ["nonResourceURLs"] = urls.DeepClone() });
            }

            if (rule["resources"] is JsonArray { Count: > 0 } resources)
            {
                var entry = new JsonObject { ["verbs"] = rule["verbs"]?.DeepClone(), ["apiGroups"] = rule["apiGroups"]?.DeepClone() ?? new JsonArray(), ["resources"] = resources.DeepClone() };
                if (rule["resourceNames"] is JsonArray { Count: > 0 } names)
                {
                    entry["resourceNames"] = names.DeepClone();
                }

                resourceRules.Add(entry);
            }
        }

        return Answer(review, new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = false });
    }

    /// <summary>authentication.k8s.io/v1 UserInfo (uid omitted when empty, as Go's omitempty does).</summary>
    public static JsonObject UserInfoJson(UserInfo user)
    {
        var info = new JsonObject { ["username"] = user.Name };
        if (user.Uid.Length > 0)
        {
            info["uid"] = user.Uid;
        }

        info["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray());
        if (user.Extra.Count > 0)
        {
            info["extra"] = new JsonObject(user.Extra.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(kv.Value.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()))));
        }

        return info;
    }

    /// <summary>TokenRequest (POST serviceaccounts/NAME/token): a signed token for the service account.</summary>
    public JsonObject TokenRequest(ResourceOperations ops, string ns, string name, JsonObject request)
    {
        var sa = ops.Store.Get(new GroupResource("", "serviceaccounts"), ns, name) ?? throw ApiErrors.NotFound(new GroupResource("", "serviceaccounts"), name);
        var spec = request["spec"] as JsonObject ?? [];
        var audiences = spec["audiences"] is JsonArray { Count: > 0 } a ? a.Select(x => (string?)x ?? "").ToList() : [options.ApiAudience];
        var seconds = spec.Long("expirationSeconds") ?? 3600;
        if (seconds < 600)
        {
            throw ApiErrors.Invalid("authentication.k8s.io", "TokenRequest", name,
                [new FieldError("FieldValueInvalid", "spec.expirationSeconds", $"Invalid value: {seconds}: may not specify a duration less than 10 minutes")]);
        }

        var token = issuer.Issue(ns, name, sa.Uid, audiences, seconds, spec["boundObjectRef"] as JsonObject, out var expires);
        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = null },
            ["spec"] = new JsonObject
            {
                ["audiences"] = new JsonArray(audiences.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                ["expirationSeconds"] = seconds,
                ["boundObjectRef"] = spec["boundObjectRef"]?.DeepClone(),
            },
            ["status"] = new JsonObject
            {
                ["token"] = token,
                ["expirationTimestamp"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        };
    }

    private JsonObject Decide(UserInfo user, JsonObject spec)
    {
        RequestAttributes attributes;
        if (spec["resourceAttributes"] is JsonObject r)
        {
            attributes = new RequestAttributes(r.Str("verb") ?? "", r.Str("group") ?? "", r.Str("resource") ?? "", r.Str("subresource") ?? "", r.Str("namespace") ?? "", r.Str("name") ?? "", true, "");
        }
        else
        {
            var n = spec["nonResourceAttributes"] as JsonObject ?? [];
            attributes = RequestAttributes.NonResource(n.Str("verb") ?? "", n.Str("path") ?? "");
        }

        var (allowed, reason) = authorizer.Authorize(user, attributes);
        var status = new JsonObject { ["allowed"] = allowed };
        if (reason.Length > 0)
        {
            status["reason"] = reason;
        }

        return status;
    }

    private static JsonObject Answer(JsonObject review, JsonObject status)
    {
        var result = review.CloneObject();
        result.Metadata()["creationTimestamp"] = null;
        result["status"] = status;
        return result;
    }
}
