using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>Reads request bodies and writes JSON responses.</summary>
internal static class HttpJson
{
    public static async Task WriteAsync(HttpContext ctx, int statusCode, JsonNode body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = statusCode;
        ctx.Response.ContentType = contentType;
        await ctx.Response.Body.WriteAsync(body.ToUtf8(), ctx.RequestAborted);
    }

    public static async Task WriteAsync(HttpContext ctx, int statusCode, byte[] body)
    {
        ctx.Response.StatusCode = statusCode;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    public static async Task WriteErrorAsync(HttpContext ctx, ApiException e)
    {
        if (ctx.Response.HasStarted)
        {
            return;
        }

        if (e.RetryAfterSeconds is { } retry)
        {
            ctx.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await WriteAsync(ctx, e.Code, e.Status);
    }

    public static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        // JSON (and YAML for apply) bodies, plus the protobuf bodies of the few kinds kubectl creates with typed
        // clients; kube-apiserver's answer to any other media type is 415.
        if (ctx.Request.ContentType?.Contains("cbor", StringComparison.Ordinal) == true)
        {
            throw ApiErrors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
        }

        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        return buffer.ToArray();
    }

    /// <summary>The body as a JSON object; kube-apiserver's 400 when it is not one.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext ctx)
    {
        var bytes = await ReadBodyAsync(ctx);
        if (ctx.Request.ContentType?.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal) == true)
        {
            return ProtobufBodies.Decode(bytes);
        }

        try
        {
            return JsonNodeExtensions.ParseObject(bytes);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiErrors.BadRequest($"the object provided is unrecognized (must be of type JSON object): {e.Message}");
        }
    }
}
