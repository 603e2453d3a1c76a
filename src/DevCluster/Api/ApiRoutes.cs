using System.Text.Json;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevCluster.Discovery;

namespace AgentOperator.DevCluster.Api;

/// <summary>Maps the server's endpoints: version, health, discovery (legacy and aggregated), OpenAPI and the resource catch-alls.</summary>
internal static class ApiRoutes
{
    private const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    public static void Map(IEndpointRouteBuilder app, ResourceHandler resources, DiscoveryDocuments discovery, OpenApiDocuments openApi, RbacAuthorizer authorizer, Func<string> serverAddress)
    {
        app.MapGet("/version", ctx => NonResource(ctx, authorizer, () => HttpJson.WriteAsync(ctx, 200, DiscoveryDocuments.Version())));
        foreach (var probe in new[] { "/healthz", "/livez", "/readyz" })
        {
            app.MapGet(probe, ctx => NonResource(ctx, authorizer, async () =>
            {
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
            }));
        }

        // kubectl reads /openapi/v2 (protobuf only) to build its client-side validator; an empty protobuf
        // document is a valid, schema-less one, which makes kubectl skip client-side validation.
        app.MapGet("/openapi/v2", ctx => NonResource(ctx, authorizer, () =>
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
            return Task.CompletedTask;
        }));
        app.MapGet("/openapi/v3", ctx => NonResource(ctx, authorizer, () => HttpJson.WriteAsync(ctx, 200, openApi.Root())));
        app.MapGet("/openapi/v3/apis/{group}/{version}", (HttpContext ctx, string group, string version) => NonResource(ctx, authorizer, () =>
            HttpJson.WriteAsync(ctx, 200, openApi.GroupVersion(group, version) ?? throw ResourceHandler.NotFoundPath())));
        app.MapGet("/openapi/v3/api/{version}", (HttpContext ctx, string version) => NonResource(ctx, authorizer, () =>
            HttpJson.WriteAsync(ctx, 200, openApi.GroupVersion("", version) ?? throw ResourceHandler.NotFoundPath())));

        // Discovery and resources share the /api and /apis trees, so one catch-all each dispatches by depth.
        app.Map("/api/{**rest}", (HttpContext ctx, string? rest) => Dispatch(ctx, resources, discovery, authorizer, serverAddress, legacy: true, rest));
        app.Map("/apis/{**rest}", (HttpContext ctx, string? rest) => Dispatch(ctx, resources, discovery, authorizer, serverAddress, legacy: false, rest));
    }

    private static bool WantsAggregated(HttpContext ctx) =>
        ctx.Request.Headers.Accept.ToString().Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) &&
        ctx.Request.Headers.Accept.ToString().Contains("v=v2;", StringComparison.Ordinal);

    private static Task Dispatch(HttpContext ctx, ResourceHandler resources, DiscoveryDocuments discovery, RbacAuthorizer authorizer, Func<string> serverAddress, bool legacy, string? rest)
    {
        var segments = (rest ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var discoveryDepth = legacy ? 1 : 2;
        if (segments.Length <= discoveryDepth)
        {
            if (ctx.Request.Method != "GET")
            {
                throw ApiErrors.MethodNotAllowed("the server does not allow this method on the requested resource");
            }

            return NonResource(ctx, authorizer, () => (legacy, segments.Length) switch
            {
                (_, 0) when WantsAggregated(ctx) => HttpJson.WriteAsync(ctx, 200, discovery.Aggregated(legacy), AggregatedContentType),
                (true, 0) => HttpJson.WriteAsync(ctx, 200, DiscoveryDocuments.CoreVersions(serverAddress())),
                (false, 0) => HttpJson.WriteAsync(ctx, 200, discovery.Groups()),
                (true, 1) => HttpJson.WriteAsync(ctx, 200, discovery.Resources("", segments[0]) ?? throw ResourceHandler.NotFoundPath()),
                (false, 1) => HttpJson.WriteAsync(ctx, 200, discovery.Group(segments[0]) ?? throw ResourceHandler.NotFoundPath()),
                _ => HttpJson.WriteAsync(ctx, 200, discovery.Resources(segments[0], segments[1]) ?? throw ResourceHandler.NotFoundPath()),
            });
        }

        var path = ApiPath.Parse(legacy, segments, (g, v, r) => resources.IsNamespaced(g, v, r)) ?? throw ResourceHandler.NotFoundPath();
        return resources.HandleAsync(ctx, path);
    }

    private static Task NonResource(HttpContext ctx, RbacAuthorizer authorizer, Func<Task> respond)
    {
        var user = (UserInfo)ctx.Items[ResourceHandler.UserItem]!;
        var attributes = RequestAttributes.NonResource("get", ctx.Request.Path);
        if (!authorizer.Authorize(user, attributes).Allowed)
        {
            throw new ApiException(403, ApiErrors.Status(403, "Forbidden", "forbidden: " + attributes.ForbiddenMessage(user.Name), new System.Text.Json.Nodes.JsonObject()));
        }

        return respond();
    }

    /// <summary>Authenticates every request and turns API errors into Status responses.</summary>
    public static RequestDelegate Guard(RequestDelegate next, RequestAuthenticator authenticator, RbacAuthorizer authorizer) => async ctx =>
    {
        try
        {
            var user = authenticator.Authenticate(ctx.Request.Headers.Authorization, ctx.Connection.ClientCertificate);
            if (user is null)
            {
                throw ApiErrors.Unauthorized();
            }

            ctx.Items[ResourceHandler.UserItem] = Impersonation.Apply(ctx, user, authorizer);
            await next(ctx);
        }
        catch (ApiException e)
        {
            await HttpJson.WriteErrorAsync(ctx, e);
        }
        catch (JsonException e)
        {
            await HttpJson.WriteErrorAsync(ctx, ApiErrors.BadRequest(e.Message));
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
    };
}
