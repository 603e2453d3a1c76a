using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// What keeps other web pages from using the console, which acts with the user's credentials: a Host header that is not
/// the loopback address and port we serve is refused (a DNS-rebound name cannot reach us); every POST must carry this
/// session's CSRF token (a random secret only our own pages hold) and, when the browser sends one, our own Origin.
/// Every answer forbids framing, inline script and style, and caching.
/// </summary>
public sealed class ConsoleGuard
{
    public const string CsrfField = "csrf";

    /// <summary>The per-session secret, new each time the console starts.</summary>
    public string CsrfToken { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        // same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on our own form posts.
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";

        // The port the request came in on is the one we serve (also when --port 0 let the system pick it).
        var port = context.Connection.LocalPort;
        if (!IsOurHost(context.Request.Host, port))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden,
                $"Host '{context.Request.Host}' is not this console's address: it answers only http://127.0.0.1:{port}, http://localhost:{port} or http://[::1]:{port}");
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, $"{context.Request.Method} is not served: pages are GET, actions are POST");
                return;
            }

            var origin = context.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && !IsOurOrigin(origin, port))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, $"a request from origin '{origin}' cannot act here: only this console's own pages can");
                return;
            }

            if (!context.Request.HasFormContentType)
            {
                await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "actions are HTML form posts (application/x-www-form-urlencoded)");
                return;
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var token = form[CsrfField].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(CsrfToken)))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden,
                    $"the form's {CsrfField} token is missing or not this session's: reload the page (the console issues a new token each time it starts)");
                return;
            }
        }

        await next(context);
    }

    private static bool IsOurHost(HostString host, int port) =>
        host.Port == port && host.Host is "127.0.0.1" or "localhost" or "[::1]";

    private static bool IsOurOrigin(string origin, int port) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.AbsolutePath == "/"
        && IsOurHost(new HostString(uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}"), port);

    private static Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
