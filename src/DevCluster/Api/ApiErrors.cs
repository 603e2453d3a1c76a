using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// Builds the Status bodies of k8s.io/apimachinery/pkg/api/errors (NewNotFound, NewAlreadyExists, NewConflict,
/// NewInvalid, ...): same reason, message text, details and code, because clients branch on them.
/// </summary>
internal static class ApiErrors
{
    public static ApiException NotFound(GroupResource r, string name) =>
        Error(404, "NotFound", $"{r} \"{name}\" not found", Details(r.Group, r.Resource, name));

    public static ApiException AlreadyExists(GroupResource r, string name) =>
        Error(409, "AlreadyExists", $"{r} \"{name}\" already exists", Details(r.Group, r.Resource, name));

    public static ApiException Conflict(GroupResource r, string name, string why) =>
        Error(409, "Conflict", $"Operation cannot be fulfilled on {r} \"{name}\": {why}", Details(r.Group, r.Resource, name));

    /// <summary>The message every optimistic-concurrency failure carries (registry.OptimisticLockErrorMsg).</summary>
    public const string ObjectModified = "the object has been modified; please apply your changes to the latest version and try again";

    public static ApiException Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var aggregate = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        var details = Details(group, kind, name);
        details["causes"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
        {
            ["reason"] = e.Type,
            ["message"] = e.Body,
            ["field"] = e.Field,
        }).ToArray());
        var message = errors.Count == 0 ? $"{qualifiedKind} \"{name}\" is invalid" : $"{qualifiedKind} \"{name}\" is invalid: {aggregate}";
        return Error(422, "Invalid", message, details);
    }

    public static ApiException BadRequest(string message) => Error(400, "BadRequest", message, null);

    public static ApiException MethodNotAllowed(string message) => Error(405, "MethodNotAllowed", message, null);

    public static ApiException UnsupportedMediaType(string message) => Error(415, "UnsupportedMediaType", message, null);

    public static ApiException NotAcceptable(string message) => Error(406, "NotAcceptable", message, null);

    public static ApiException Unauthorized() => Error(401, "Unauthorized", "Unauthorized", null);

    public static ApiException Forbidden(GroupResource r, string name, string message) =>
        Error(403, "Forbidden", message, Details(r.Group, r.Resource, name));

    /// <summary>storage.NewTooLargeResourceVersionError: a 504 Timeout with the ResourceVersionTooLarge cause, retry after 1 s.</summary>
    public static ApiException TooLargeResourceVersion(long requested, long current) =>
        Error(504, "Timeout", $"Timeout: Too large resource version: {requested}, current: {current}", new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
            ["retryAfterSeconds"] = 1,
        });

    public static ApiException Gone(string message) => Error(410, "Expired", message, null);

    public static ApiException TooManyRequests(int retryAfterSeconds)
    {
        var details = new JsonObject { ["retryAfterSeconds"] = retryAfterSeconds };
        return new ApiException(429, Status(429, "TooManyRequests", "Too many requests, please try again later.", details))
        {
            RetryAfterSeconds = retryAfterSeconds,
        };
    }

    public static ApiException InternalError(string message) =>
        Error(500, "InternalError", $"Internal error occurred: {message}", new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });

    /// <summary>The apply conflict of server-side apply (NewApplyConflict): 409 reason Conflict, one cause per field.</summary>
    public static ApiException ApplyConflict(IReadOnlyList<(string Manager, string ApiVersion, string Field)> conflicts)
    {
        var lines = conflicts.Select(c => $"conflict with \"{c.Manager}\" using {c.ApiVersion}: {c.Field}").ToList();
        var message = lines.Count == 1
            ? $"Apply failed with 1 conflict: {lines[0]}"
            : $"Apply failed with {lines.Count} conflicts: {string.Join("\n", lines)}";
        var details = new JsonObject
        {
            ["causes"] = new JsonArray(conflicts.Select(c => (JsonNode)new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{c.Manager}\" using {c.ApiVersion}",
                ["field"] = c.Field,
            }).ToArray()),
        };
        return Error(409, "Conflict", message, details);
    }

    public static JsonObject Status(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    private static ApiException Error(int code, string reason, string message, JsonObject? details) =>
        new(code, Status(code, reason, message, details));

    private static JsonObject Details(string group, string kind, string name)
    {
        var d = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            d["group"] = group;
        }

        d["kind"] = kind;
        return d;
    }
}
