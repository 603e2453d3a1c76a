using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api.Protobuf;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>Reads request bodies and writes JSON responses (protobuf for clients that accept nothing else).</summary>
internal static class HttpJson
{
    public static async Task WriteAsync(HttpContext ctx, int statusCode, JsonNode body, string contentType = "application/json")
    {
        if (contentType == "application/json" && ProtobufBodies.OnlyAccepted(ctx.Request.Headers.Accept.ToString()))
        {
            await WriteProtobufAsync(ctx, statusCode, body);
            return;
        }

        ctx.Response.StatusCode = statusCode;
        ctx.Response.ContentType = contentType;
        await ctx.Response.Body.WriteAsync(body.ToUtf8(), ctx.RequestAborted);
    }

    public static async Task WriteAsync(HttpContext ctx, int statusCode, byte[] body)
    {
        if (ProtobufBodies.OnlyAccepted(ctx.Request.Headers.Accept.ToString()))
        {
            await WriteProtobufAsync(ctx, statusCode, JsonNode.Parse(body)!);
            return;
        }

        ctx.Response.StatusCode = statusCode;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    // A client that takes protobuf only gets it for kinds with a field table, else kube-apiserver's 406.
    private static async Task WriteProtobufAsync(HttpContext ctx, int statusCode, JsonNode body)
    {
        if (body is JsonObject obj && ProtobufBodies.Encode(obj) is { } encoded)
        {
            ctx.Response.StatusCode = statusCode;
            ctx.Response.ContentType = ProtobufBodies.MediaType;
            await ctx.Response.Body.WriteAsync(encoded, ctx.RequestAborted);
            return;
        }

        var refusal = ApiErrors.NotAcceptable($"only the following media types are accepted: application/json, application/yaml, {ProtobufBodies.MediaType} (not for kind {body["kind"]})");
        ctx.Response.StatusCode = refusal.Code;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(refusal.Status.ToUtf8(), ctx.RequestAborted);
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
        // JSON (and YAML for apply) bodies, plus protobuf for the built-in kinds with a field table (ProtoSchemas);
        // kube-apiserver's answer to any other media type is 415.
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
